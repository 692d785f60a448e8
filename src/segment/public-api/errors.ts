import { countText } from '../../util/count-text.js';
import { hintsFor, type Surface } from '../../hints/hints.js';
import type { ToolNames } from '../../config/runtime.js';
import type { ToolError } from '../../registry/types.js';
import { cutText } from '../../security/snippet.js';
import { nestsDeeper } from '../../util/json-depth.js';
import type { OperationEntry } from './catalog.js';

/**
 * Public API failures as errors an agent can act on. Segment answers `{errors: [{type, message,
 * field, data, status}]}`; only short messages are passed on, never raw bodies or headers.
 */

interface ApiErrorItem {
  type?: string;
  message?: string;
  field?: string;
  data?: unknown;
}

const MAX_MESSAGE = 200;
const MAX_ITEMS = 5;

export function parseErrors(text: string): ApiErrorItem[] {
  // Errors nested past any real one's depth are not read: passed on, they ran a walk out of stack.
  if (nestsDeeper(text, 32)) return [];
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(body?.errors) ? (body.errors as ApiErrorItem[]).filter((e) => e && typeof e === 'object').slice(0, MAX_ITEMS) : [];
  } catch {
    return [];
  }
}

/** The Public API's own wait hint on a 429: `errors[0].data.msBeforeNext`. */
export function msBeforeNext(text: string): number | undefined {
  const data = parseErrors(text)[0]?.data as { msBeforeNext?: unknown } | undefined;
  const ms = Number(data?.msBeforeNext);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

const short = (s: unknown) => {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim().replace(/[.\s]+$/, '');
  return cutText(t, MAX_MESSAGE, '…');
};

const messages = (items: ApiErrorItem[]) => items.map((e) => short(e.message ?? e.type)).filter(Boolean);

/** Where to look an id up again, by parameter name. */
const LIST_TOOL: Record<string, string> = {
  sourceId: 'SEGMENT_LIST_SOURCES',
  destinationId: 'SEGMENT_LIST_DESTINATIONS',
  warehouseId: 'SEGMENT_LIST_WAREHOUSES',
  trackingPlanId: 'SEGMENT_LIST_TRACKING_PLANS',
  spaceId: 'SEGMENT_LIST_SPACES',
  userId: 'SEGMENT_LIST_USERS',
  userGroupId: 'SEGMENT_LIST_USER_GROUPS',
  functionId: 'SEGMENT_LIST_FUNCTIONS',
  transformationId: 'SEGMENT_LIST_TRANSFORMATIONS',
  modelId: 'SEGMENT_LIST_REVERSE_ETL_MODELS',
  credentialId: 'SEGMENT_LIST_CREDENTIALS',
  regulateId: 'SEGMENT_LIST_WORKSPACE_REGULATIONS',
};

/** Ids are shown as given, except secrets such as a write key in the path. */
const showId = (name: string, value: string) => (name === 'writeKey' ? `****${value.slice(-4)}` : value);

export interface FailureContext {
  entry: OperationEntry;
  ids: Record<string, string>;
  attempts: number;
  /** The wait Segment asked for, when it rate limited. */
  waitMs?: number;
  /** Whose words the hint is in. */
  surface?: Surface;
  /** Direct mode's tool names, so a hint names a tool as tools/list does. */
  toolNames?: ToolNames;
}

/** Longer than any rate limit of Segment's asks a caller to wait (its limits reset within the minute): said as not believable. */
const IMPLAUSIBLE_WAIT_S = 3_600;

export function httpError(status: number, text: string, ctx: FailureContext): ToolError {
  const items = parseErrors(text);
  const said = messages(items);
  const suffix = said.length ? ` Segment says: ${said.join('; ')}.` : '';
  const { entry } = ctx;
  const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  const hints = hintsFor(ctx.surface, ctx.toolNames);

  if (status === 401 || status === 403) {
    return {
      kind: 'auth',
      status,
      message: `Segment refused the Public API token (HTTP ${status}): it is missing, wrong, expired, or its role lacks permission for ${entry.slug}.${suffix}`,
      hint: hints.tokenRefused(),
    };
  }
  if (status === 404) {
    const named = Object.entries(ctx.ids);
    const which = named.length
      ? named.map(([k, v]) => `${k} "${showId(k, v)}"`).join(', ')
      : 'the requested resource';
    const lookups = [...new Set(named.map(([k]) => LIST_TOOL[k]).filter(Boolean))];
    return {
      kind: 'not_found',
      status,
      message: `Not found (HTTP 404): ${named.length > 1 ? 'one of ' : ''}${which} does not exist in this workspace, or the token cannot see it.${suffix}`,
      hint: `${lookups.length ? `${hints.lookUpIds(lookups)} ` : ''}Ids are not names or slugs. If the workspace is in the EU, the connection needs region eu.`,
      details: { ids: Object.fromEntries(named.map(([k, v]) => [k, showId(k, v)])) },
    };
  }
  if (status === 422 || status === 400) {
    const fields = items.map((e) => ({ field: e.field ?? '(request)', problem: short(e.message ?? e.type ?? 'invalid') }));
    const listed = fields.length ? fields.map((f) => `${f.field}: ${f.problem}`).join('; ') : 'no details given';
    return {
      kind: 'validation',
      status,
      message: `Segment rejected the arguments of ${entry.slug} (HTTP ${status}): ${listed}.`,
      hint: hints.rejectedBySegment(entry.slug),
      details: { fields },
    };
  }
  if (status === 429) {
    const secs = ctx.waitMs !== undefined ? Math.max(1, Math.ceil(ctx.waitMs / 1000)) : undefined;
    return {
      kind: 'rate_limited',
      status,
      message: `Segment is rate limiting ${entry.slug} (HTTP 429)${ctx.attempts > 1 ? `, still after ${ctx.attempts} attempts` : ''}.${suffix}`,
      hint:
        secs !== undefined && secs > IMPLAUSIBLE_WAIT_S
          ? `The server asked for a wait no rate limit takes (${countText(Math.min(secs, Number.MAX_SAFE_INTEGER))} s): wait a minute and call again; if it asks the same, check SEGMENT_PUBLIC_API_URL (the host may not be Segment's Public API).`
          : secs !== undefined
            ? `Wait at least ${secs} s before calling again; avoid all_pages and parallel calls for a while.`
            : 'Wait a minute before calling again; avoid all_pages and parallel calls for a while.',
      ...(ctx.waitMs !== undefined ? { details: { retry_after_ms: ctx.waitMs } } : {}),
    };
  }
  if (status === 409) {
    return { kind: 'conflict', status, message: `Conflict (HTTP 409): ${entry.slug} clashes with the current state, e.g. the name or slug is taken.${suffix}`, hint: 'Read the current state with the matching get or list tool, then change the arguments.' };
  }
  if (status === 413) {
    return { kind: 'too_large', status, message: `The request is too large for Segment (HTTP 413).${suffix}`, hint: 'Send less at once, e.g. fewer rules or ids per call.' };
  }
  if (status >= 500) {
    const unsafe = entry.method === 'POST';
    return {
      kind: 'upstream',
      status,
      message: `Segment's Public API failed (HTTP ${status})${unsafe ? ' and the POST was not retried, since it may have been applied' : tries}.${suffix}`,
      hint: unsafe ? 'Check with the matching get or list tool whether it took effect before calling again.' : 'Try again in a few minutes; if it persists, check status.segment.com.',
    };
  }
  return { kind: 'upstream', status, message: `Segment answered HTTP ${status} to ${entry.slug}.${suffix}`, hint: hints.otherUpstream(entry.slug) };
}
