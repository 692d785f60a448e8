import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { App } from '../app.js';
import { ConnectionNameError } from '../connections/service.js';
import type { ConnectionStatus } from '../connections/types.js';
import type { WriteEvent } from '../execution/executor.js';
import { MAX_WAIT_SECONDS, waitForConnect } from './connect-wait.js';
import { askToConfirm, completeUrl, offerUrl } from './elicitation.js';
import { toolResult } from './result.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** How long the client may take to answer the offer of a link (the link itself lasts 10 minutes). */
const OFFER_TIMEOUT_MS = 5 * 60_000;

const inputSchema = {
  toolkits: z.array(z.string()).optional().describe('Only "segment" (the default).'),
  action: z
    .enum(['status', 'verify', 'connect', 'wait', 'disconnect'])
    .optional()
    .describe(
      'status (default): the current state. verify: check with Segment now. connect: open a page where the user enters credentials (returns redirect_url). wait: after connect, answer once the user is done or the link expired (bounded by wait_seconds). disconnect: remove stored credentials (asks first).',
    ),
  connection: z.string().optional().describe('A named connection (default: the one in use).'),
  wait_seconds: z.number().int().min(1).max(MAX_WAIT_SECONDS).optional().describe(`For "wait": at most this many seconds (default ${MAX_WAIT_SECONDS}).`),
};

const outputSchema = {
  results: z.array(z.looseObject({ toolkit: z.string(), connection: z.string(), status: z.string(), instruction: z.string().optional(), redirect_url: z.string().optional() })),
  removed: z.string().optional(),
  elicitation: z.string().optional(),
  wait: z.looseObject({ outcome: z.string(), waited_seconds: z.number(), note: z.string() }).optional(),
  error: z.looseObject({ kind: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
};

const fail = (kind: string, message: string, hint: string, status?: ConnectionStatus) => toolResult({ results: status ? [status] : [], error: { kind, message, hint } }, true);

export function registerManageConnections(server: McpServer, app: App): void {
  server.registerTool(
    'MANAGE_CONNECTIONS',
    {
      title: 'Check and manage the Segment connection',
      description:
        'Whether the Segment credentials are ready: status ACTIVE, REQUIRES_PARAMETERS (what is missing), FAILED (which check, why), EXPIRED (a token now refused) or INITIATED (a connect page is open), per capability (tracking = write key, public_api = Public API token), with workspace, region and an instruction. If not ACTIVE, follow the instruction: usually action "connect", give the user the redirect_url (secrets go there, never in the chat), then action "wait". Secrets are never shown.',
      inputSchema,
      outputSchema,
      // Changes local state only (a connect page, the local credential store); disconnect removes stored credentials.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ toolkits, action, connection, wait_seconds }, extra) => {
      const unknown = (toolkits ?? []).filter((t) => t.toLowerCase() !== 'segment');
      if (unknown.length) {
        return fail('validation', `Unknown toolkit ${unknown.map((t) => `"${t}"`).join(', ')}: this server manages only "segment".`, 'Call again with toolkits: ["segment"] or without toolkits.');
      }
      try {
        switch (action ?? 'status') {
          case 'connect':
            return await connect(server, app, extra, connection);
          case 'wait':
            return await waitForConnect(app, extra, connection, wait_seconds);
          case 'disconnect':
            return await disconnect(server, app, extra, connection);
          default:
            return toolResult({ results: [await app.connections.status({ verify: action === 'verify', connection })] });
        }
      } catch (err) {
        if (err instanceof ConnectionNameError) return fail('validation', err.message, 'Call again with a valid connection name, or without one.');
        throw err;
      }
    },
  );
}

async function connect(server: McpServer, app: App, extra: Extra, connection: string | undefined) {
  const svc = app.connections;
  if (!svc.connect) return fail('unsupported', 'This server cannot store connections.', 'The operator sets SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN.');
  let elicitationId = '';
  const out = await svc.connect({ connection, onComplete: () => completeUrl(server, elicitationId) });
  if (!out.ok) return fail('not_applicable', out.message, out.hint, out.status);
  elicitationId = out.elicitationId;
  const offered = await offerUrl(
    server,
    extra,
    { message: `Open this page to connect Segment (connection "${out.status.connection}"). Paste the write key and/or Public API token there; they go to segment-router on this computer, not to the assistant.`, url: out.url, elicitationId },
    OFFER_TIMEOUT_MS,
  );
  if (offered === 'decline') {
    svc.cancelConnect?.(connection);
    const status = await svc.status({ connection });
    return toolResult({ results: [status], elicitation: 'declined', error: { kind: 'declined', message: 'The user declined to open the connect page; the link was withdrawn.', hint: 'Do not retry unless the user asks to connect.' } }, true);
  }
  return toolResult({ results: [out.status], ...(offered === 'unsupported' ? {} : { elicitation: offered === 'accept' ? 'accepted' : offered }) });
}

async function disconnect(server: McpServer, app: App, extra: Extra, connection: string | undefined) {
  const svc = app.connections;
  if (!svc.disconnect) return fail('unsupported', 'This server cannot store connections.', 'Nothing to remove.');
  const name = connection?.trim() || svc.active || 'default';
  let decision: WriteEvent['decision'] = 'allow';
  // Ask only when there is something to remove.
  if (svc.isStored?.(connection) !== false) {
    const answer = await askToConfirm(server, extra, `Remove the stored Segment connection "${name}" (its write key and token) from this computer? Segment itself is not changed.`, 'Remove it');
    if (!answer.confirmed && !answer.unsupported) {
      audit(app, name, 'ask-declined', 'refused');
      return fail('declined', `Not removed: ${answer.reason}.`, 'The connection is unchanged; do not retry unless the user asks for it.', await svc.status({ connection }));
    }
    // Nobody can say yes here (stateless HTTP, a client without elicitation): only an operator who let
    // agents make destructive changes unasked lets one remove the credentials every client relies on.
    if (answer.unsupported && !(app.config.write === 'allow' && app.config.allowDestructive)) {
      audit(app, name, 'deny', 'refused');
      return fail(
        'policy',
        `Not removed: removing the stored connection "${name}" needs the user's yes, and ${answer.reason}.`,
        `The user can remove it on this computer with: segment-router connections remove ${name}. A server started with --write=allow --allow-destructive lets agents remove connections without asking.`,
        await svc.status({ connection }),
      );
    }
    decision = answer.confirmed ? 'ask-confirmed' : 'allow';
  }
  const out = await svc.disconnect(connection);
  if (!out.ok) return fail('not_found', out.message, out.hint, out.status);
  audit(app, name, decision, 'sent');
  app.log.info('stored connection removed', { connection: name, decision });
  return toolResult({ results: [out.status], removed: out.removed });
}

/** A removal (or a refused one) in the audit log, as destructive: it also goes to destructive.jsonl. */
function audit(app: App, connection: string, decision: WriteEvent['decision'], outcome: WriteEvent['outcome']): void {
  app.audit.record({ slug: 'MANAGE_CONNECTIONS', access: 'destructive', decision, outcome, connection });
}
