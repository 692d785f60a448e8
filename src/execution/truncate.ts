import type { ExecutionResult } from './result.js';
import { countText } from '../util/count-text.js';

/** What was cut from an answer and how to get the rest. */
export interface Truncation {
  note: string;
  limit_bytes: number;
  original_bytes: number;
  /** Each list or text that was shortened: its path in the answer, how much is shown, how much there was. */
  cut: { path: string; shown: number; total: number; unit: 'items' | 'characters' }[];
  how_to_page: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Node = { path: (string | number)[]; value: Json[] | string; bytes: number };

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '');
/** Room kept for the marker itself. */
const MARKER_RESERVE = 2_000;
const MAX_STEPS = 50;
/** A list this large is worth keeping part of when a larger one is cut. */
const SIZEABLE_LIST = 4_000;

/**
 * Keeps an answer under `limit` bytes of JSON. The largest lists are shortened first (their first
 * items kept, in order), then the longest texts; a `truncated` marker says what was cut and how to
 * page. Bounded: at most MAX_STEPS cuts, then a plain preview.
 */
/** `pageMax`: the most items a page of the tool holds, asked only when the answer is cut (registry.pageCountMax). */
export function truncateResult(result: ExecutionResult, limit: number, pageMax?: () => number | undefined): ExecutionResult {
  const original = size(result);
  if (original <= limit) return result;
  const out = JSON.parse(JSON.stringify(result)) as ExecutionResult & Record<string, Json>;
  const cut = new Map<string, Truncation['cut'][number]>();
  const budget = Math.max(limit - MARKER_RESERVE, 0);

  for (let step = 0; step < MAX_STEPS; step++) {
    const total = size(out);
    if (total <= budget) break;
    const { node, runnerUp } = largest(out as unknown as Json);
    if (!node) break;
    const excess = total - budget;
    const key = node.path.map(String).join('.');
    const prior = cut.get(key);
    if (Array.isArray(node.value)) {
      const arr = node.value;
      let keep = 0;
      let used = 2;
      // Another sizeable list (a batch's rejected messages and the error's issue list): this one is cut no
      // lower than that one, nor by more than half at a time; they take turns, and neither is emptied
      // for the other.
      const room = runnerUp && runnerUp >= SIZEABLE_LIST ? Math.max(node.bytes - excess, Math.min(runnerUp, node.bytes / 2)) : node.bytes - excess;
      while (keep < arr.length && used + size(arr[keep]) + 1 <= room) used += size(arr[keep++]) + 1;
      keep = Math.min(keep, arr.length - 1);
      cut.set(key, { path: key, shown: keep, total: prior?.total ?? arr.length, unit: 'items' });
      arr.length = keep;
    } else {
      const text = node.value;
      const keepChars = Math.max(0, Math.min(text.length - 1, text.length - excess - 40));
      const shortened = `${text.slice(0, keepChars).replace(/[\uD800-\uDBFF]$/, '')}…[cut]`;
      cut.set(key, { path: key, shown: keepChars, total: prior?.total ?? text.length, unit: 'characters' });
      setAt(out as unknown as Json, node.path, shortened);
    }
  }

  // An answer cut before (the executor's limit, then the inline one): one marker, against the whole
  // answer: what this cut shows, out of what there was before any cut.
  const earlier = (result as { truncated?: Truncation }).truncated;
  const whole = earlier?.original_bytes ?? original;
  const cuts = new Map((earlier?.cut ?? []).map((c) => [c.path, c]));
  for (const c of cut.values()) cuts.set(c.path, { ...c, total: cuts.get(c.path)?.total ?? c.total });
  const marker: Truncation = {
    note: `TRUNCATED: the full answer is ${countText(whole)} bytes, over this server's limit of ${countText(limit)}; the lists and texts named in "cut" show only their start.`,
    limit_bytes: limit,
    original_bytes: whole,
    cut: [...cuts.values()],
    how_to_page: howToPage(out, [...cuts.values()], pageMax?.()),
  };
  // The marker goes first after the verdict, so a reader meets it before the cut lists.
  const { successful, tool_slug, truncated: _earlier, ...rest } = out as typeof out & { truncated?: unknown };
  let answer: ExecutionResult & { truncated: Truncation } = { successful, ...(tool_slug ? { tool_slug } : {}), truncated: marker, ...rest };
  if (size(answer) > limit) {
    // Nothing cuttable was big enough (e.g. a huge object of many small keys): show a plain preview.
    const preview = JSON.stringify(out.data ?? out.error ?? null).slice(0, Math.max(0, limit - MARKER_RESERVE * 2));
    marker.cut = [{ path: 'data', shown: preview.length, total: size(out.data ?? out.error ?? null), unit: 'characters' }];
    answer = { successful, ...(tool_slug ? { tool_slug } : {}), truncated: marker, data: { preview: `${preview}…[cut]` }, ...(out.error ? { error: { kind: out.error.kind, message: out.error.message.slice(0, 500), hint: out.error.hint?.slice(0, 500) } } : {}) };
  }
  return answer;
}

/** The most items a Public API page holds (pagination.count is 1-1000): advice never asks for more. */
const PAGE_COUNT_MAX = 1_000;
const pageCount = (shown: number, max = PAGE_COUNT_MAX) => Math.min(max, Math.max(1, shown));

/** The paging advice that fits what was cut. */
function howToPage(out: ExecutionResult, cuts: Truncation['cut'], pageMax?: number): string {
  const data = (out.data ?? {}) as Record<string, unknown>;
  const paths = cuts.map((c) => c.path);
  if ('message_id_prefix' in data && paths.some((p) => p.includes('not_accepted') || p.includes('rejected_before_sending'))) {
    return 'data.not_accepted_ranges lists every index that was not accepted, as [from, to] runs; a message\'s messageId is the one you set, else data.message_id_prefix followed by its index. Resend exactly those messages with those messageIds. To read every rejection reason, dry-run the batch in smaller parts.';
  }
  const listCut = cuts.find((c) => c.unit === 'items');
  if (listCut && 'pages_fetched' in data) {
    // Pages merged by all_pages: the same arguments fetch them all again and are cut the same way.
    return `The merged pages were cut to their first ${listCut.shown} items. Call the tool again without all_pages, with pagination.count=${pageCount(listCut.shown, pageMax)}, and follow next_cursor page by page: each page then fits.`;
  }
  if (listCut && containsPagination(data)) {
    return `The page was cut to its first ${listCut.shown} items. Call the tool again with the same arguments but pagination.count=${pageCount(listCut.shown, pageMax)} (same cursor) to get pages that fit, then follow data.pagination.next. Do not use this page's next cursor: it points past the items that were cut.`;
  }
  return 'Ask for less at a time: narrow the request (filters, ids, a smaller pagination.count where the tool has one), or split it into several calls.';
}

function containsPagination(v: unknown, depth = 0): boolean {
  if (!v || typeof v !== 'object' || depth > 4) return false;
  if (!Array.isArray(v) && 'pagination' in v) return true;
  return Object.values(v).some((x) => containsPagination(x, depth + 1));
}

/** The biggest list (or, when no list can shrink, the longest text) in the answer, and the size of the next biggest list. */
function largest(root: Json): { node?: Node; runnerUp?: number } {
  let bestArr: Node | undefined;
  let secondArr = 0;
  let bestStr: Node | undefined;
  const walk = (v: Json, path: (string | number)[], depth: number) => {
    if (depth > 32) return;
    if (typeof v === 'string') {
      if (v.length > 64 && (!bestStr || v.length > bestStr.bytes)) bestStr = { path, value: v, bytes: v.length };
    } else if (Array.isArray(v)) {
      if (v.length > 0) {
        const bytes = size(v);
        if (!bestArr || bytes > bestArr.bytes) {
          // A list inside the biggest one is part of it, not another.
          if (bestArr && !isInside(bestArr.path, path)) secondArr = Math.max(secondArr, bestArr.bytes);
          bestArr = { path, value: v, bytes };
        } else if (!isInside(bestArr.path, path)) secondArr = Math.max(secondArr, bytes);
      }
      v.forEach((x, i) => walk(x, [...path, i], depth + 1));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k], depth + 1);
    }
  };
  walk(root, [], 0);
  if (bestArr && (!bestStr || bestArr.bytes >= bestStr.bytes)) return { node: bestArr, runnerUp: secondArr };
  return { node: bestStr };
}

/** Whether one path lies inside the other (either way). */
function isInside(a: (string | number)[], b: (string | number)[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function setAt(root: Json, path: (string | number)[], value: Json): void {
  let node = root as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, Json>;
  node[path[path.length - 1]!] = value;
}
