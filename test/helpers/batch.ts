import type { RequestRecord } from '../../src/sandbox/server.js';
import { REPEATED_ID_DROPPED, type TrackingRecord } from '../../src/sandbox/tracking.js';

export interface GeneratedBatch {
  batch: Record<string, unknown>[];
  valid: number[];
  invalid: number[];
  oversized: number[];
}

/**
 * A batch with known good, invalid and oversized messages. Sizes vary (`padOf`) so the router must
 * cut requests both by count (2,500) and by bytes (500 KB). Bad messages carry a messageId of their
 * own so a test can prove they never reached the server.
 */
export function makeBatch(n: number, opts: { invalidEvery?: number; oversizedAt?: number[]; padOf?: (i: number) => number; tiny?: (i: number) => boolean; tag?: string } = {}): GeneratedBatch {
  const tag = opts.tag ?? 'b';
  const oversized = new Set(opts.oversizedAt ?? []);
  const out: GeneratedBatch = { batch: [], valid: [], invalid: [], oversized: [] };
  for (let i = 0; i < n; i++) {
    const pad = 'x'.repeat(opts.padOf?.(i) ?? 0);
    if (oversized.has(i)) {
      out.oversized.push(i);
      out.batch.push({ type: 'track', userId: `u-${i}`, event: 'File Uploaded', messageId: `${tag}-oversized-${i}`, properties: { blob: 'y'.repeat(40 * 1024) } });
    } else if (opts.invalidEvery && i % opts.invalidEvery === opts.invalidEvery - 1) {
      out.invalid.push(i);
      // A different mistake each time: no identity, bad timestamp, unknown field, wrong type.
      const bad = [
        { type: 'track', event: 'Order Completed' },
        { type: 'track', userId: `u-${i}`, event: 'Order Completed', timestamp: 'yesterday' },
        { type: 'identify', userId: `u-${i}`, user_id: 'typo' },
        { type: 'track', userId: `u-${i}`, event: 42 },
        { type: 'teleport', userId: `u-${i}` },
      ][i % 5]!;
      out.batch.push({ ...bad, messageId: `${tag}-invalid-${i}` });
    } else if (opts.tiny?.(i)) {
      out.valid.push(i);
      // Short enough (with a short id of its own) that 2,500 fit under 500 KB: the count limit binds.
      out.batch.push({ type: 'track', userId: `u${i}`, event: 'E', messageId: `${tag}${i}` });
    } else {
      out.valid.push(i);
      out.batch.push({ type: i % 7 === 0 ? 'identify' : 'track', userId: `u-${i}`, ...(i % 7 === 0 ? { traits: { plan: 'pro', pad } } : { event: 'Order Completed', properties: { order_id: `o-${i}`, total: i, pad } }) });
    }
  }
  return out;
}

/**
 * What reached the sandbox and was accepted: every messageId of a message it answered 200 for and did
 * not drop for being invalid. `all` counts the copies that arrived (a repeated messageId, which it drops
 * as Segment does, included): a retry that sent a message twice shows there, `unique` is what Segment keeps.
 */
export function acceptedIds(events: TrackingRecord[]): { all: string[]; unique: Set<string> } {
  const all = events.filter((e) => (!e.dropped || e.dropped === REPEATED_ID_DROPPED) && e.messageId).map((e) => e.messageId!);
  return { all, unique: new Set(all) };
}

/** Checks Segment's request limits on everything the sandbox received. */
export function requestLimits(requests: RequestRecord[]) {
  const batches = requests.filter((r) => r.path === '/v1/batch');
  return {
    maxBytes: Math.max(0, ...batches.map((r) => r.bytes)),
    maxMessages: Math.max(0, ...batches.map((r) => r.messages ?? 0)),
    count: batches.length,
  };
}

/** Expands [from, to] runs. */
export function expandRanges(ranges: [number, number][]): number[] {
  return ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, k) => a + k));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling, for at most `ms`. */
export async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}
