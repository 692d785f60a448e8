import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/config/runtime.js';
import { backoffMs, isRetryableStatus, retryAfterMs } from '../../src/http/retry.js';
import { normalizeSlug, toUpperSnake } from '../../src/registry/slug.js';
import { Redactor } from '../../src/security/redact.js';

describe('slug rules', () => {
  it('turns operation ids into slugs, keeping acronym runs whole', () => {
    expect(toUpperSnake('listSchemaSettingsInSource')).toBe('LIST_SCHEMA_SETTINGS_IN_SOURCE');
    expect(toUpperSnake('getDailyPerSourceAPICallsUsage')).toBe('GET_DAILY_PER_SOURCE_API_CALLS_USAGE');
    expect(toUpperSnake('cancelReverseETLSyncForModel')).toBe('CANCEL_REVERSE_ETL_SYNC_FOR_MODEL');
  });
  it('normalizes case, separators and the direct-mode prefix', () => {
    for (const s of ['segment_track', 'segment-track', 'integration__segment__segment_track', ' Segment Track ']) expect(normalizeSlug(s)).toBe('SEGMENT_TRACK');
  });
});

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

describe('redaction', () => {
  it('masks a secret and its Basic-auth encoding to at most the last four characters', () => {
    const r = new Redactor();
    r.add('wk_super_secret_value_9876');
    const basic = Buffer.from('wk_super_secret_value_9876:').toString('base64');
    const out = r.text(`key=wk_super_secret_value_9876 auth=Basic ${basic}`);
    expect(out).not.toContain('wk_super_secret_value_9876');
    expect(out).not.toContain(basic);
    expect(out).toContain('****9876');
  });
});
