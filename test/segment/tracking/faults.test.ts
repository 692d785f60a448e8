import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import type { FaultRule } from '../../../src/sandbox/faults.js';
import type { TrackingRecord } from '../../../src/sandbox/tracking.js';
import type { RequestRecord } from '../../../src/sandbox/server.js';
import { callTool, sandboxEnv, startRouter, TOKEN, WRITE_KEY, type RouterHandle } from '../../helpers/router.js';
import { acceptedIds, expandRanges, makeBatch, requestLimits, sleep, until, type GeneratedBatch } from '../../helpers/batch.js';

/**
 * Faults against the real binary over stdio: every valid message accepted exactly once (by unique
 * messageId at the server), bad ones reported by index and never sent, Segment's request limits
 * held, and the answer agreeing with what the server saw. Loopback only; each case takes seconds.
 */

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close().catch(() => {});
});

async function sandbox(port?: number): Promise<Sandbox> {
  const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY], port });
  open.push(sb);
  return sb;
}

async function router(sb: Sandbox, env: Record<string, string> = {}): Promise<RouterHandle> {
  const r = await startRouter({ args: ['--write=allow'], env: sandboxEnv(sb, env) });
  open.push(r);
  return r;
}

async function sendBatch(r: RouterHandle, batch: unknown[], onProgress?: (p: { progress: number; total?: number }) => void) {
  return callTool(r.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch } }, { timeout: 60_000, onprogress: onProgress });
}

/** The assertions every scenario shares. */
function verify(answer: Record<string, any>, gen: GeneratedBatch, events: TrackingRecord[], requests: RequestRecord[], opts: { notAccepted?: number[] } = {}) {
  const data = answer.data;
  const prefix: string = data.message_id_prefix;
  expect(prefix).toMatch(/^sr-[0-9a-f-]{36}-$/);
  const notAccepted = new Set(opts.notAccepted ?? []);
  const idOf = (i: number) => String(gen.batch[i]!.messageId ?? prefix + i);

  // Bad messages: reported by index, with the reason, never sent.
  const rejected = data.rejected_before_sending as { index: number; messageId?: string; reason: string }[];
  expect(rejected.map((x) => x.index)).toEqual([...gen.invalid, ...gen.oversized].sort((a, b) => a - b));
  for (const x of rejected) expect(x.reason.length).toBeGreaterThan(5);
  const sentIds = new Set(events.map((e) => e.messageId));
  for (const i of [...gen.invalid, ...gen.oversized]) expect(sentIds.has(String(gen.batch[i]!.messageId))).toBe(false);

  // Every valid message: accepted once by unique id, or reported not accepted; never both, never neither.
  const { unique } = acceptedIds(events);
  const expected = gen.valid.filter((i) => !notAccepted.has(i)).map(idOf);
  for (const id of expected) expect(unique.has(id)).toBe(true);
  for (const i of notAccepted) expect(unique.has(idOf(i))).toBe(false);
  expect(unique.size).toBe(expected.length);
  expect(data.accepted).toBe(expected.length);
  expect(data.total).toBe(gen.batch.length);

  // Segment's limits, on every request the server received (retries included).
  const limits = requestLimits(requests);
  expect(limits.maxBytes).toBeLessThanOrEqual(500_000);
  expect(limits.maxMessages).toBeLessThanOrEqual(2_500);
  return { prefix, unique, limits };
}

/** Sizes that make the router cut by count (small messages) and by bytes (padded ones). */
const mixed = (i: number) => (i < 3_000 ? 0 : 300);

// Found by a fidelity review (2026-12-07): a request's body was made once and sent again as it was, so
// after a 4 s Retry-After its sentAt was 4 s old (Segment reads sentAt against its clock to correct the
// sender's skew, and the official library stamps it at each send).
describe('sentAt on a retried request', () => {
  it('is the time of the attempt that gets through, for a single call and a batch', async () => {
    const sb = await sandbox();
    const r = await router(sb, { SEGMENT_ROUTER_MIN_RETRY_AFTER_MS: '0' });
    sb.faults.add({ path: '/v1/track', status: 429, retryAfter: 2, times: 1 }, { path: '/v1/batch', status: 429, retryAfter: 2, times: 1 });
    const one = await callTool(r.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Retried' } });
    const many = await sendBatch(r, [{ type: 'track', userId: 'u1', event: 'Retried In Batch' }]);
    expect(one.structured.successful && many.structured.successful).toBe(true);
    const sent = sb.events.filter((e) => e.event?.startsWith('Retried'));
    expect(sent).toHaveLength(2);
    for (const e of sent) expect(Date.parse(e.receivedAt) - Date.parse(e.sentAt!)).toBeLessThan(1_000);
  });
});

describe('SEGMENT_BATCH under faults, through the binary', () => {
  it('no faults: thousands of messages, both request limits exercised, answer matches the server', async () => {
    const sb = await sandbox();
    const r = await router(sb);
    const gen = makeBatch(12_000, { invalidEvery: 97, oversizedAt: [10, 6_001, 11_999], padOf: mixed, tiny: (i) => i < 5_000 });
    let lastProgress = 0;
    const { structured } = await sendBatch(r, gen.batch, (p) => (lastProgress = p.progress));
    const { limits } = verify(structured, gen, sb.events, sb.requests);
    expect(structured.error.kind).toBe('partial');
    expect(structured.data.not_accepted).toEqual([]);
    // One request per chunk, each answered 200: the answer's count is the server's count.
    expect(limits.count).toBe(structured.data.requests);
    expect(sb.requests.every((q) => q.status === 200)).toBe(true);
    expect(sb.requests.some((q) => q.messages === 2_500)).toBe(true);
    expect(sb.requests.some((q) => (q.messages ?? 0) < 2_500 && q.bytes > 450_000)).toBe(true);
    expect(lastProgress).toBe(gen.batch.length);
  });

  const recoverable: [string, FaultRule[]][] = [
    ['5xx answers', [{ path: '/v1/batch', status: 503, times: 3 }, { path: '/v1/batch', status: 500, times: 2 }, { path: '/v1/batch', status: 502 }]],
    ['429 without Retry-After', [{ path: '/v1/batch', status: 429, times: 4 }]],
    ['connections reset before the server read them', [{ path: '/v1/batch', reset: true, times: 3 }]],
    ['connections reset after the server applied them (answer lost)', [{ path: '/v1/batch', reset: true, afterAccept: true, times: 2 }]],
    ['5xx after the server applied the request', [{ path: '/v1/batch', status: 500, afterAccept: true, times: 2 }]],
  ];
  for (const [name, faults] of recoverable) {
    it(`recovers from ${name}: every valid message accepted exactly once`, async () => {
      const sb = await sandbox();
      const r = await router(sb);
      sb.faults.add(...faults);
      const gen = makeBatch(6_000, { invalidEvery: 211, oversizedAt: [3_000], padOf: mixed });
      const { structured } = await sendBatch(r, gen.batch);
      const { unique } = verify(structured, gen, sb.events, sb.requests);
      expect(structured.data.not_accepted).toEqual([]);
      expect(sb.faults.pending()).toBe(0);
      // Retries carry X-Retry-Count; a request the server applied and answered badly shows up twice, once counted.
      expect(sb.requests.some((q) => q.retryCount !== undefined)).toBe(true);
      const duplicates = acceptedIds(sb.events).all.length - unique.size;
      if (faults.some((f) => f.afterAccept)) expect(duplicates).toBeGreaterThan(0);
      else expect(duplicates).toBe(0);
    });
  }

  it('honours Retry-After on a 429 (waits that long, then delivers)', async () => {
    const sb = await sandbox();
    const r = await router(sb);
    sb.faults.add({ path: '/v1/batch', status: 429, retryAfter: 1 });
    const gen = makeBatch(3_000);
    const { structured } = await sendBatch(r, gen.batch);
    verify(structured, gen, sb.events, sb.requests);
    expect(structured.successful).toBe(true);
    const limited = sb.requests.find((q) => q.status === 429)!;
    const retried = sb.requests.find((q) => q.retryCount === '1')!;
    expect(Date.parse(retried.time) - Date.parse(limited.time)).toBeGreaterThanOrEqual(950);
  });

  it('slow answers past the timeout: retried; a request the server processed late is not counted twice', async () => {
    const sb = await sandbox();
    const r = await router(sb, { SEGMENT_ROUTER_TIMEOUT_MS: '400' });
    sb.faults.add({ path: '/v1/batch', delayMs: 900, times: 2 });
    const gen = makeBatch(6_000, { invalidEvery: 500, padOf: mixed });
    const { structured } = await sendBatch(r, gen.batch);
    // The slow requests land after the router gave up on them: wait for the server to finish them.
    await until(() => sb.requests.every((q) => q.status !== 0), 5_000);
    const { unique } = verify(structured, gen, sb.events, sb.requests);
    expect(structured.data.not_accepted).toEqual([]);
    expect(acceptedIds(sb.events).all.length).toBeGreaterThan(unique.size); // the late copies arrived, and were duplicates
  });

  it('a server that disappears mid-batch and returns on the same port', async () => {
    const first = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const port = first.port;
    const r = await router(first, { SEGMENT_ROUTER_MAX_RETRIES: '10' });
    first.faults.add({ path: '/v1/batch', delayMs: 300, times: 4 });
    const gen = makeBatch(9_000, { invalidEvery: 300, padOf: mixed });
    const call = sendBatch(r, gen.batch);
    await until(() => first.requests.length >= 1);
    const seenBefore = [...first.events];
    const requestsBefore = [...first.requests];
    await first.close();
    await sleep(400);
    const second = await sandbox(port);
    const { structured } = await call;
    verify(structured, gen, [...seenBefore, ...first.events.slice(seenBefore.length), ...second.events], [...requestsBefore, ...second.requests]);
    expect(structured.data.not_accepted).toEqual([]);
    expect(second.requests.length).toBeGreaterThan(0);
  });

  it('gives up after the retry budget: reports exactly the messages not accepted, and a resend by messageId delivers each once', async () => {
    const sb = await sandbox();
    const r = await router(sb, { SEGMENT_ROUTER_MAX_RETRIES: '2' });
    const gen = makeBatch(6_000, { invalidEvery: 400, padOf: mixed });
    // Every attempt of the request that carries message u-4321 fails.
    sb.faults.add({ path: '/v1/batch', match: '"userId":"u-4321"', status: 503, times: 1_000 });
    const { structured } = await sendBatch(r, gen.batch);
    const data = structured.data;
    const missing = expandRanges(data.not_accepted_ranges);
    expect(missing).toContain(4321);
    expect(missing.length).toBeGreaterThan(100);
    verify(structured, gen, sb.events, sb.requests, { notAccepted: missing });
    expect(structured.successful).toBe(false);
    expect(structured.error.kind).toBe('partial');
    // The failed request was tried 1 + 2 times.
    expect(sb.requests.filter((q) => q.status === 503)).toHaveLength(3);
    // The listed entries agree with the ranges; a long list is cut with a marker that says how to get every id.
    const listed = data.not_accepted as { index: number; messageId: string; reason: string }[];
    for (const x of listed) {
      expect(x.messageId).toBe(data.message_id_prefix + x.index);
      expect(x.reason).toMatch(/HTTP 503/);
    }
    // Over a thousand entries do not fit the 100 KB answer limit: the list is cut, marked, and the ranges stay whole.
    expect(listed.length).toBeLessThan(missing.length);
    expect(listed.map((x) => x.index)).toEqual(missing.slice(0, listed.length));
    expect(structured.truncated.note).toMatch(/TRUNCATED/);
    expect(structured.truncated.cut).toContainEqual({ path: 'data.not_accepted', shown: listed.length, total: missing.length, unit: 'items' });
    expect(structured.truncated.how_to_page).toMatch(/not_accepted_ranges/);

    // Resend exactly those, with their messageIds, once the server is healthy again.
    sb.faults.clear();
    const resend = missing.map((i) => ({ ...gen.batch[i], messageId: data.message_id_prefix + i }));
    const again = await sendBatch(r, resend);
    expect(again.structured.successful).toBe(true);
    expect(again.structured.data.accepted).toBe(missing.length);
    const valid = gen.valid.map((i) => data.message_id_prefix + i);
    expect(acceptedIds(sb.events).unique).toEqual(new Set(valid));

    // Resending everything again (same ids) adds copies at the server but no new message: Segment keeps one per id.
    const everything = gen.valid.map((i) => ({ ...gen.batch[i], messageId: data.message_id_prefix + i }));
    const third = await sendBatch(r, everything);
    expect(third.structured.successful).toBe(true);
    const after = acceptedIds(sb.events);
    expect(after.all.length).toBeGreaterThan(after.unique.size);
    expect(after.unique).toEqual(new Set(valid));
  });

  it('gives up on a server that stays down: every valid message is reported with its id, none lost silently', async () => {
    const sb = await sandbox();
    const r = await router(sb, { SEGMENT_ROUTER_MAX_RETRIES: '1' });
    sb.faults.add({ path: '/v1/batch', reset: true, times: 1_000 });
    const gen = makeBatch(2_000, { invalidEvery: 100 });
    const { structured } = await sendBatch(r, gen.batch);
    expect(structured.data.accepted).toBe(0);
    expect(expandRanges(structured.data.not_accepted_ranges)).toEqual(gen.valid);
    expect(structured.error.kind).toBe('upstream');
    expect(sb.events).toHaveLength(0);
  });
});
