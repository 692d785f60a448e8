import type { IncomingHttpHeaders } from 'node:http';
import { fail, ok, rateLimited, type PublicApiAnswer } from './public-api/answers.js';
import { matchRoute, sample, schemaNamed, successShape } from './public-api/description.js';
import { HANDLERS } from './public-api/routes.js';
import { seedStore, type PublicApiStore } from './public-api/store.js';

/**
 * The sandbox's Public API: Bearer tokens checked, then a stateful answer for the operations the
 * router's flows use (see public-api/routes.ts), and for every other operation of the description
 * a small answer of the shape it promises. Errors use Segment's `{errors: [...]}` envelope:
 * 401 bad token, 404 unknown id or route, 422 invalid field, 429 with `data.msBeforeNext`.
 */

export type { PublicApiAnswer } from './public-api/answers.js';

export interface PublicApiState extends PublicApiStore {
  tokens: Set<string>;
  /** Answer the next `count` requests with 429 and this wait (tests of the retry policy). */
  throttle?: { count: number; msBeforeNext: number };
}

export function createPublicApiState(opts: { tokens: string[]; writeKeys: string[] }): PublicApiState {
  return { tokens: new Set(opts.tokens), ...seedStore(opts.writeKeys) };
}

export interface PublicApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function handlePublicApi(state: PublicApiState, req: PublicApiRequest): PublicApiAnswer {
  const auth = req.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  if (!state.tokens.has(token)) return fail(401, 'unauthorized', 'The token is missing or invalid.');
  if (state.throttle && state.throttle.count > 0) {
    state.throttle.count--;
    return rateLimited(state.throttle.msBeforeNext);
  }

  const matched = matchRoute(req.method, req.path);
  if (!matched) return fail(404, 'not-found', `No Public API operation ${req.method} ${req.path}.`);
  const handler = HANDLERS[`${req.method} ${matched.route.template}`];
  if (handler) return handler(state, { method: req.method, params: matched.params, query: req.query, body: req.body });

  // Any other operation: the shape the description promises, for the version asked for.
  const accept = Array.isArray(req.headers.accept) ? req.headers.accept[0] : req.headers.accept;
  const { status, schema } = successShape(matched.route.op, accept);
  const envelope = schema?.$ref ? schemaNamed(String(schema.$ref).split('/').pop()!) : schema;
  return envelope?.properties?.data ? ok(sample(envelope.properties.data, 'data'), status) : { status, body: sample(schema, 'response') };
}
