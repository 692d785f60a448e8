import { describe, expect, it } from 'vitest';
import { ConfigError, loadRuntimeConfig } from '../../src/config/runtime.js';

const refusal = (env: Record<string, string>): string => {
  try {
    loadRuntimeConfig({}, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('host overrides', () => {
  it('refuses credentials in a host URL, and never repeats them', () => {
    for (const name of ['SEGMENT_PUBLIC_API_URL', 'SEGMENT_TRACKING_API_URL']) {
      const message = refusal({ [name]: 'http://admin:hunter2-secret@127.0.0.1:9/' });
      expect(message).toContain(name);
      expect(message).toMatch(/credentials/);
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('admin');
    }
  });

  it('does not repeat what looks like credentials in a URL it cannot read', () => {
    const message = refusal({ SEGMENT_PUBLIC_API_URL: 'ftp://admin:hunter2-secret@127.0.0.1:9/' });
    expect(message).toContain('http(s) URL');
    expect(message).not.toContain('hunter2');
  });

  // Found by the review of the mends (2026-12-07): other spellings of user:password@ came out whole.
  it('does not repeat credentials however the URL spells them', () => {
    for (const url of ['https:u:secretpw@api.segment.io', 'https:\\u:secretpw@api.segment.io', 'https://u:secret#pw@api.segment.io', 'https://u:secret/pw@api.segment.io', 'https://u:p@secretpw@api.segment.io', 'u:secretpw@api.segment.io']) {
      const message = refusal({ SEGMENT_TRACKING_API_URL: url });
      expect(message, url).not.toContain('secret');
    }
  });

  it('keeps a plain URL, without its trailing slash', () => {
    expect(loadRuntimeConfig({}, { SEGMENT_PUBLIC_API_URL: 'http://127.0.0.1:9/' }).publicApiUrl).toBe('http://127.0.0.1:9');
  });
});

describe('numbers', () => {
  it('refuses a zero that would make every request fail at once', () => {
    for (const name of ['SEGMENT_ROUTER_TIMEOUT_MS', 'SEGMENT_ROUTER_ANSWER_WITHIN_MS', 'SEGMENT_ROUTER_MAX_ARGUMENTS_BYTES', 'SEGMENT_ROUTER_MAX_ANSWER_BYTES', 'SEGMENT_ROUTER_AUDIT_MAX_BYTES']) {
      expect(refusal({ [name]: '0' })).toContain(`${name} must be a whole number >= 1`);
    }
  });

  it('keeps zero where it means none', () => {
    const config = loadRuntimeConfig({}, { SEGMENT_ROUTER_MAX_RETRIES: '0', SEGMENT_ROUTER_MIN_RETRY_AFTER_MS: '0', SEGMENT_ROUTER_PLAN_TTL_MS: '0' });
    expect(config.retry.maxRetries).toBe(0);
    expect(config.quality.planTtlMs).toBe(0);
  });
});
