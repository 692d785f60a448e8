import { MAX_RESPONSE_BYTES } from '../../http/client.js';
import { sendWithRetries } from '../../http/retry.js';
import type { HttpRequestSpec, PreparedCall, SendContext, SendOutcome, ToolError } from '../../registry/types.js';
import { operationIndex } from './catalog.js';
import { maskUpstream } from '../../security/snippet.js';
import { httpError, msBeforeNext } from './errors.js';
import { countItems, mergePages, nextCursor, type PageData } from './pages.js';
import type { PublicCallState } from './request.js';
import { MAX_JSON_DEPTH, nestsDeeper } from '../../util/json-depth.js';

/**
 * Sends a Public API call through the one retry policy. The answer is Segment's `data`, plus
 * `next_cursor` when there is another page; with all_pages, the pages merged and where it stopped.
 */

type Page = { ok: true; data: unknown; status: number; /** The answer's length as text, for all_pages' budget. */ chars: number } | { ok: false; outcome: SendOutcome };

async function sendOne(req: HttpRequestSpec, state: PublicCallState, ctx: SendContext): Promise<Page> {
  // Stopped before this request went (a Ctrl-C while the call was being made ready): it never goes.
  if (ctx.stop?.aborted) {
    return { ok: false, outcome: { ok: false, error: { kind: 'cancelled', message: `Stopped before ${state.entry.slug} was sent: nothing reached Segment.`, hint: 'Run the call again when you want it sent.' } } };
  }
  const r = await sendWithRetries(
    ctx.http,
    { method: req.method, url: req.url, headers: req.headers, ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}) },
    {
      settings: ctx.config.retry,
      timeoutMs: ctx.config.requestTimeoutMs,
      // A POST creates or triggers something: a retry could do it twice.
      idempotent: req.method !== 'POST',
      // A cancel aborts the request; a stop (a first Ctrl-C) lets the one on its way be answered, so a
      // write is known done or not, and sends nothing more: no retry, no further page.
      signal: ctx.signal,
      ...(ctx.stop ? { stopRetrying: ctx.stop } : {}),
      waitHint: (res) => msBeforeNext(res.text),
      ...(ctx.deadline !== undefined ? { deadline: ctx.deadline } : {}),
      onRetry: (i) => ctx.log.warn('retrying Public API request', { slug: state.entry.slug, attempt: i.attempt, delayMs: Math.round(i.delayMs), reason: i.reason }),
    },
  );
  if (!r.response) {
    const e = r.error!;
    const maybeApplied = req.method === 'POST' && !e.notSent;
    const error: ToolError = {
      kind: 'network',
      message: `Could not complete ${state.entry.slug}: ${e.message}`,
      hint: maybeApplied ? 'The request may have reached Segment; check with the matching get or list tool before calling again.' : 'Check the network and the region; then call again.',
      details: { attempts: r.attempts, code: e.code },
    };
    return { ok: false, outcome: { ok: false, error, ...(e.notSent ? {} : { maybeSent: true }) } };
  }
  const res = r.response;
  if (res.status >= 300) {
    // What Segment asked for, not the router's own cap on a wait: that is how long a repeat should wait.
    const waitMs = res.status === 429 ? Math.max(r.askedWaitMs ?? 0, r.lastWaitMs ?? 0) || msBeforeNext(res.text) : undefined;
    // Masked before httpError cuts messages to snippets: a cut through an echoed token would escape the redactor.
    const error = httpError(res.status, maskUpstream(res.text, ctx.redact), { entry: state.entry, ids: state.ids, attempts: r.attempts, waitMs, surface: ctx.config.surface, ...(ctx.config.toolNames ? { toolNames: ctx.config.toolNames } : {}) });
    // A DELETE retried after an unclear answer and then not found: most likely its own first attempt.
    if (res.status === 404 && req.method === 'DELETE' && r.unclearEarlier) {
      error.message += ' An earlier attempt of this DELETE got no clear answer and was retried: it may have deleted it already.';
      error.hint = 'Check with the matching get or list tool whether it is gone before calling again.';
      return { ok: false, outcome: { ok: false, status: res.status, error, maybeSent: true } };
    }
    // A POST that failed on Segment's side may have been applied (the answer says so): neither sent nor failed for sure.
    return { ok: false, outcome: { ok: false, status: res.status, error, ...(res.status >= 500 && req.method === 'POST' ? { maybeSent: true } : {}) } };
  }
  // A write Segment accepted whose answer cannot be passed on was made all the same: a repeat would make it twice.
  const made = req.method === 'GET' ? '' : ` It accepted the ${req.method}: the change was made, do not repeat it.`;
  const unreadable = (what: string, hint: string): Page => {
    const error: ToolError = { kind: 'upstream', status: res.status, message: `Segment answered HTTP ${res.status} with ${what}.${made}`, hint: made ? `Check the change with the matching get or list tool. ${hint}` : hint };
    return { ok: false, outcome: { ok: false, status: res.status, error, ...(made ? { applied: true } : {}) } };
  };
  const notPublicApi = 'Check the region and SEGMENT_PUBLIC_API_URL: the host may not be the Public API.';
  if (res.truncated) return unreadable(`a body over ${MAX_RESPONSE_BYTES / 1024 / 1024} MB, which was not read`, made ? notPublicApi : `Ask for less at a time (a smaller pagination.count). ${notPublicApi}`);
  if (!res.text) return { ok: true, data: null, status: res.status, chars: 0 };
  if (nestsDeeper(res.text)) return unreadable(`JSON nested more than ${MAX_JSON_DEPTH} levels deep, which is not passed on`, notPublicApi);
  try {
    const body = JSON.parse(res.text) as { data?: unknown };
    return { ok: true, data: body && typeof body === 'object' && 'data' in body ? body.data : body, status: res.status, chars: res.text.length };
  } catch {
    return unreadable('a body that is not JSON', notPublicApi);
  }
}

const withCursor = (data: unknown): unknown => {
  const next = nextCursor(data);
  return next !== undefined && data && typeof data === 'object' ? { ...(data as object), next_cursor: next } : data;
};

export async function sendOperation(call: PreparedCall, ctx: SendContext): Promise<SendOutcome> {
  const state = call.state as PublicCallState;
  const first = await sendOne(call.requests[0]!, state, ctx);
  if (!first.ok) return first.outcome;
  if (!state.pageAt || !state.listFields || !first.data || typeof first.data !== 'object') {
    return { ok: true, status: first.status, data: withCursor(first.data) };
  }
  return allPages(first.data as PageData, first.status, first.chars, state, ctx);
}

/**
 * What all_pages gathers at most, in characters of answers: a page may be 16 MB, and 25 of them kept
 * took a server to gigabytes. Past it, the answer says where to go on (the answer limit cuts far less).
 */
const ALL_PAGES_MAX_CHARS = 32 * 1024 * 1024;

async function allPages(firstData: PageData, status: number, firstChars: number, state: PublicCallState, ctx: SendContext): Promise<SendOutcome> {
  const { maxPages, maxItems } = operationIndex().allPages;
  const fields = state.listFields!;
  const pages: PageData[] = [firstData];
  let items = countItems(firstData, fields);
  let chars = firstChars;
  let next = nextCursor(firstData);
  // A cursor already followed would fetch its pages again: every item repeated, up to the limit.
  const followed = new Set<string>(state.startCursor !== undefined ? [JSON.stringify(state.startCursor)] : []);
  let looped = false;
  while (next !== undefined && !ctx.stop?.aborted && pages.length < maxPages && items < maxItems && chars < ALL_PAGES_MAX_CHARS) {
    const key = JSON.stringify(next);
    if (followed.has(key)) {
      looped = true;
      break;
    }
    followed.add(key);
    await ctx.progress?.(pages.length, maxPages, `fetched ${pages.length} pages (${items} items)`);
    const page = await sendOne(state.pageAt!(next), state, ctx);
    if (!page.ok) {
      // Keep what was fetched: the agent can continue from the cursor that failed.
      const merged = mergePages(pages, fields);
      const error = { ...page.outcome.error!, message: `${page.outcome.error!.message} (page ${pages.length + 1}; ${items} items fetched before it)` };
      return { ok: false, status: page.outcome.status, error, data: { ...merged, pages_fetched: pages.length, complete: false, next_cursor: next } };
    }
    const data = (page.data ?? {}) as PageData;
    pages.push(data);
    chars += page.chars;
    items += countItems(data, fields);
    next = nextCursor(data);
  }
  const merged = mergePages(pages, fields);
  // Items are never cut: a page is whole or not fetched, so next_cursor always continues cleanly.
  const complete = next === undefined;
  const summary: Record<string, unknown> = { pages_fetched: pages.length, complete };
  if (looped) {
    summary.note = `Stopped after ${pages.length} pages with ${items} items: Segment answered with a cursor already followed (${JSON.stringify(next).slice(0, 80)}), so going on would repeat pages. The list may be incomplete; narrow the request.`;
    // The repeated cursor is not handed on as the way to go on: whoever follows it loops the same way.
    if (merged.pagination && typeof merged.pagination === 'object') merged.pagination = { ...(merged.pagination as object), next: null };
  } else if (!complete) {
    summary.next_cursor = next;
    summary.note = ctx.stop?.aborted
      ? `Stopped by the user after ${pages.length} pages with ${items} items; more remain. Pass next_cursor as the cursor to go on.`
      : `Stopped at the all_pages limit (${maxPages} pages, ${maxItems} items or ${ALL_PAGES_MAX_CHARS / 1024 / 1024} MB of answers) with ${items} items; more remain. Pass next_cursor as the cursor to go on, or narrow the request.`;
  }
  return { ok: true, status, data: { ...merged, ...summary } };
}
