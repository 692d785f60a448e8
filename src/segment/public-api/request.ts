import { baseUrl } from '../../config/runtime.js';
import type { HttpRequestSpec, PrepareContext, PreparedCall } from '../../registry/types.js';
import { VERSION } from '../../version.js';
import { operationIndex, operationInput, type OperationEntry, type QueryParamPlan, type RequestPlan } from './catalog.js';
import { expandPath } from './path.js';
import { encodeQuery, type QueryValue } from './query.js';

/** What send() needs besides the first request: how to ask for the next page, and what was asked. */
export interface PublicCallState {
  kind: 'public';
  entry: OperationEntry;
  /** Path parameter values, to say which id was not found. */
  ids: Record<string, string>;
  /** Present when all_pages was asked for: the same request at another cursor. */
  pageAt?: (cursor: unknown) => HttpRequestSpec;
  listFields?: string[];
  /** The cursor the first page was asked at (the caller's pagination.cursor): already followed. */
  startCursor?: unknown;
}

/**
 * Every paged call states its page size. Segment has required `pagination` on list operations in
 * other versions, and where it is optional the default below equals the API's own, so sending it
 * always costs nothing and never fails.
 */
function withPageDefault(q: QueryParamPlan, value: unknown): unknown {
  if (!q.page) return value;
  const given = (value ?? undefined) as { count?: number; cursor?: unknown } | undefined;
  return { ...given, count: given?.count ?? q.page.default };
}

/**
 * Validated arguments -> the exact HTTP request. Pure: the same arguments and credentials always
 * give the same request, which is what a dry run shows.
 */
export function prepareOperation(entry: OperationEntry, plan: RequestPlan, args: Record<string, unknown>, ctx: PrepareContext): PreparedCall {
  const allPages = args.all_pages === true && !!plan.paging;
  const ids: Record<string, string> = {};
  for (const name of plan.path) ids[name] = String(args[name]);
  const path = expandPath(entry.path, ids);

  const query: QueryValue[] = plan.query.map((q) => ({
    name: q.name,
    encoding: q.encoding,
    value: withPageDefault(q, args[q.name]),
  }));

  let body: unknown;
  if (plan.body?.mode === 'flat') {
    const fields: Record<string, unknown> = {};
    for (const f of plan.body.fields) if (args[f] !== undefined) fields[f] = args[f];
    body = fields;
  } else if (plan.body?.mode === 'nested') {
    body = args.body ?? {};
  }

  const headers: Record<string, string> = {
    Authorization: `Bearer ${ctx.credentials.token ?? ''}`,
    Accept: entry.accept,
    'User-Agent': `segment-router/${VERSION}`,
  };
  if (body !== undefined && entry.contentType) headers['Content-Type'] = entry.contentType;
  const base = `${baseUrl(ctx.config, 'public', ctx.credentials.region)}${path}`;

  const build = (q: QueryValue[]): HttpRequestSpec => {
    const qs = encodeQuery(q);
    return { method: entry.method, url: qs ? `${base}?${qs}` : base, headers, ...(body !== undefined ? { body } : {}) };
  };

  const state: PublicCallState = { kind: 'public', entry, ids };
  if (allPages && plan.paging) {
    const paging = plan.paging;
    state.listFields = paging.listFields;
    const given = query.find((q) => q.name === paging.param)?.value;
    const start = paging.style === 'object' ? (given as { cursor?: unknown } | undefined)?.cursor : given;
    if (start !== undefined && start !== null && start !== '') state.startCursor = start;
    state.pageAt = (cursor) =>
      build(
        query.map((q) => {
          if (q.name !== paging.param) return q;
          return paging.style === 'object' ? { ...q, value: { ...(q.value as object), cursor } } : { ...q, value: cursor };
        }),
      );
  }
  return {
    requests: [build(query)],
    ...(allPages ? { notes: { all_pages: allPagesNote() } } : {}),
    state,
  };
}

/**
 * The first request of one operation named by its operationId, for code that calls the Public API
 * outside the tools (the credential checks), so there is one way to build a request.
 */
export function operationRequest(operationId: string, args: Record<string, unknown>, ctx: PrepareContext): HttpRequestSpec {
  const entry = operationIndex().operations.find((o) => o.operationId === operationId);
  if (!entry) throw new Error(`No Public API operation ${operationId} in the generated table; run npm run generate:public-api.`);
  return prepareOperation(entry, operationInput(operationId).plan, args, ctx).requests[0]!;
}

function allPagesNote(): string {
  const { maxPages, maxItems } = operationIndex().allPages;
  return `Follows next cursors from this first request: at most ${maxPages} pages or ${maxItems} items, and the answer says where it stopped.`;
}
