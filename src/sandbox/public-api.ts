import type { IncomingHttpHeaders } from 'node:http';

/**
 * The Public API operations the router's flows need, answering with the shapes of the API
 * description: `{data: ...}` on success, `{errors: [...]}` on failure, Bearer tokens checked.
 */

export interface PublicApiState {
  tokens: Set<string>;
  workspace: { id: string; slug: string; name: string };
  sources: Record<string, unknown>[];
}

export function createPublicApiState(opts: { tokens: string[]; writeKeys: string[] }): PublicApiState {
  return {
    tokens: new Set(opts.tokens),
    workspace: { id: 'ws_sandbox', slug: 'sandbox', name: 'Sandbox Workspace' },
    sources: [
      {
        id: 'src_web',
        slug: 'website',
        name: 'Website',
        workspaceId: 'ws_sandbox',
        enabled: true,
        writeKeys: opts.writeKeys,
        labels: [],
        metadata: { id: 'javascript', slug: 'javascript', name: 'Javascript', categories: ['Website'], description: '', logos: { default: '' }, options: [], isCloudEventSource: false },
        settings: {},
      },
    ],
  };
}

export interface PublicApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface PublicApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const err = (status: number, type: string, message: string): PublicApiAnswer => ({ status, body: { errors: [{ type, message }] } });

export function handlePublicApi(state: PublicApiState, req: PublicApiRequest): PublicApiAnswer {
  const auth = req.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  if (!state.tokens.has(token)) return err(401, 'unauthorized', 'The token is missing or invalid.');
  const route = `${req.method} ${req.path}`;
  if (route === 'GET /') return { status: 200, body: { data: { workspace: state.workspace } } };
  if (route === 'GET /sources') {
    return { status: 200, body: { data: { sources: state.sources, pagination: { current: 'MA==', totalEntries: state.sources.length } } } };
  }
  return err(404, 'not-found', `No sandbox route for ${route}.`);
}
