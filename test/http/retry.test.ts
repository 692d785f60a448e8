import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/config/runtime.js';
import { backoffMs, isRetryableStatus, retryAfterMs } from '../../src/http/retry.js';

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
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs({ 'retry-after': '7' })).toBe(7000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
    expect(retryAfterMs({})).toBeUndefined();
  });
});
