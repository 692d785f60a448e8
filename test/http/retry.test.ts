import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/config/runtime.js';
import { getEventListeners } from 'node:events';
import { backoffMs, defaultSleep, isRetryableStatus, retryAfterMs, sendWithRetries } from '../../src/http/retry.js';
import { NetworkError, type HttpClient } from '../../src/http/client.js';

describe('retry rules', () => {
  it('retries what Segment says is transient and nothing else', () => {
    for (const s of [408, 410, 429, 460, 500, 502, 503, 504]) expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 413, 422, 501, 505]) expect(isRetryableStatus(s), String(s)).toBe(false);
  });
  it('backs off with jitter, doubling, capped at 60 s', () => {
    expect(backoffMs(0, DEFAULT_RETRY, () => 0)).toBe(500);
    expect(backoffMs(0, DEFAULT_RETRY, () => 0.999)).toBeCloseTo(999.5);
    expect(backoffMs(3, DEFAULT_RETRY, () => 0)).toBe(4000);
    expect(backoffMs(20, DEFAULT_RETRY, () => 1)).toBe(60_000);
  });
  // Found by a new user's walk (2026-12-07): with the sandbox stopped, a call retried a refused connection
  // to 127.0.0.1 for 4 min 45 s in silence. Nothing listening on this machine does not start listening by waiting.
  it('a connection refused by this machine is retried for 10 s of waits, not for minutes; a remote host keeps the whole budget', async () => {
    const refused = (url: string) => {
      let calls = 0;
      const http: HttpClient = {
        send: async () => {
          calls++;
          throw new NetworkError(`Could not reach ${url}: ECONNREFUSED`, true, 'ECONNREFUSED');
        },
        close: async () => {},
      };
      return { http, calls: () => calls };
    };
    // Every wait 4 s (no jitter past the cap), none really waited: two fit in 10 s, the third would not.
    const settings = { ...DEFAULT_RETRY, baseDelayMs: 4_000, maxDelayMs: 4_000 };
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    for (const url of ['http://127.0.0.1:4011/v1/track', 'http://localhost:4011/sources', 'http://[::1]:4011/sources', 'http://0.0.0.0:4011/sources', 'http://[::]:4011/sources']) {
      const local = refused(url);
      const r = await sendWithRetries(local.http, { method: 'GET', url, headers: {} }, { settings, timeoutMs: 1000, idempotent: true, sleep });
      expect(r.error?.code, url).toBe('ECONNREFUSED');
      expect(local.calls(), url).toBe(3);
    }
    const remote = refused('https://api.segment.io/v1/track');
    await sendWithRetries(remote.http, { method: 'POST', url: 'https://api.segment.io/v1/track', headers: {} }, { settings, timeoutMs: 1000, idempotent: true, sleep });
    expect(remote.calls()).toBe(DEFAULT_RETRY.maxRetries + 1);
    // A local server restarting in under a second is still waited for (short waits fit many times).
    const quick = refused('http://127.0.0.1:4011/v1/batch');
    await sendWithRetries(quick.http, { method: 'POST', url: 'http://127.0.0.1:4011/v1/batch', headers: {} }, { settings: { ...DEFAULT_RETRY, baseDelayMs: 50, maxDelayMs: 200 }, timeoutMs: 1000, idempotent: true, sleep });
    expect(quick.calls()).toBe(DEFAULT_RETRY.maxRetries + 1);
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs({ 'retry-after': '7' })).toBe(7000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
    expect(retryAfterMs({})).toBeUndefined();
  });
  it('leaves no listener on the call\'s signal after its waits, however many retries one signal sees', async () => {
    const cancel = new AbortController();
    let calls = 0;
    const http: HttpClient = {
      send: async () => {
        calls++;
        if (calls % 3) throw new NetworkError('connection reset', false, 'ECONNRESET');
        return { status: 200, headers: {}, text: '{}' };
      },
      close: async () => {},
    };
    const settings = { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 1 };
    // Twelve requests, each retried twice, on one signal (an import's): more than the 10 listeners Node warns at.
    for (let i = 0; i < 12; i++) {
      const r = await sendWithRetries(http, { method: 'POST', url: 'http://127.0.0.1/v1/batch', headers: {} }, { settings, timeoutMs: 1000, idempotent: true, signal: cancel.signal });
      expect(r.response?.status).toBe(200);
    }
    expect(calls).toBe(36);
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
  });
  it('still stops a wait when the call is cancelled', async () => {
    const cancel = new AbortController();
    const wait = defaultSleep(60_000, cancel.signal);
    cancel.abort();
    await expect(wait).rejects.toMatchObject({ code: 'ABORTED' });
  });

  // Found by an adversarial review (2026-12-06): a Segment down for good kept an MCP call silent for 272 s (a 429 asking 300 s: ~50 min).
  it('under a deadline, stops retrying in time to answer, and gives each retry only the time left', async () => {
    const timeouts: number[] = [];
    const http: HttpClient = {
      send: async (_req, opts) => {
        timeouts.push(opts.timeoutMs);
        return { status: 500, headers: {}, text: 'down' };
      },
      close: async () => {},
    };
    const settings = { ...DEFAULT_RETRY, baseDelayMs: 200, maxDelayMs: 400 };
    const started = Date.now();
    const r = await sendWithRetries(http, { method: 'POST', url: 'http://127.0.0.1/v1/batch', headers: {} }, { settings, timeoutMs: 15_000, idempotent: true, deadline: started + 3_500 });
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(r).toMatchObject({ outOfTime: true, response: { status: 500 } });
    expect(r.attempts).toBeGreaterThan(1);
    expect(r.attempts).toBeLessThan(settings.maxRetries + 1);
    for (const t of timeouts) expect(t).toBeLessThanOrEqual(3_500);
    // A server that asks for a wait past the deadline is not waited for.
    const busy: HttpClient = { send: async () => ({ status: 429, headers: { 'retry-after': '300' }, text: '' }), close: async () => {} };
    const t0 = Date.now();
    const waited = await sendWithRetries(busy, { method: 'POST', url: 'http://127.0.0.1/v1/batch', headers: {} }, { settings, timeoutMs: 15_000, idempotent: true, deadline: t0 + 10_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(waited).toMatchObject({ outOfTime: true, attempts: 1 });
  });
  it('a stop lets the attempt on its way be answered, and makes no further one; a wait for a retry ends at once', async () => {
    const stop = new AbortController();
    const seen: (AbortSignal | undefined)[] = [];
    let calls = 0;
    const http: HttpClient = {
      send: async (_req, opts) => {
        calls++;
        seen.push(opts.signal);
        if (calls === 1) {
          stop.abort(); // the stop arrives while the first attempt is on its way
          await new Promise((r) => setTimeout(r, 50));
          return { status: 503, headers: {}, text: 'busy' };
        }
        return { status: 200, headers: {}, text: '{}' };
      },
      close: async () => {},
    };
    const settings = { ...DEFAULT_RETRY, baseDelayMs: 10_000, maxDelayMs: 10_000 };
    const t0 = Date.now();
    const r = await sendWithRetries(http, { method: 'POST', url: 'http://127.0.0.1/v1/batch', headers: {} }, { settings, timeoutMs: 1000, idempotent: true, stopRetrying: stop.signal });
    // The attempt was not cut (its answer is known), and no retry followed.
    expect(r).toMatchObject({ response: { status: 503 }, attempts: 1 });
    expect(seen[0]).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(1_000);
    // A stop during the wait for a retry: the wait ends, the last answer stands.
    const later = new AbortController();
    const down: HttpClient = { send: async () => ({ status: 500, headers: {}, text: 'down' }), close: async () => {} };
    setTimeout(() => later.abort(), 50);
    const t1 = Date.now();
    const r2 = await sendWithRetries(down, { method: 'POST', url: 'http://127.0.0.1/v1/batch', headers: {} }, { settings, timeoutMs: 1000, idempotent: true, stopRetrying: later.signal });
    expect(Date.now() - t1).toBeLessThan(1_000);
    expect(r2).toMatchObject({ response: { status: 500 }, attempts: 1 });
    expect(r2.error).toBeUndefined();
    // The same during a wait a 429 asked for: its answer stands (before: "The call was cancelled", as if it might have gone).
    const busy: HttpClient = { send: async () => ({ status: 429, headers: { 'retry-after': '60' }, text: '' }), close: async () => {} };
    const third = new AbortController();
    setTimeout(() => third.abort(), 50);
    const r3 = await sendWithRetries(busy, { method: 'POST', url: 'http://127.0.0.1/v1/batch', headers: {} }, { settings: { ...settings, maxRetryAfterMs: 120_000 }, timeoutMs: 1000, idempotent: true, stopRetrying: third.signal });
    expect(r3).toMatchObject({ response: { status: 429 }, attempts: 1 });
    expect(r3.error).toBeUndefined();
  });
});
