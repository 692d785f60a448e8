import { describe, expect, it } from 'vitest';
import { buildStatus, isUsable, type StatusInput } from '../../src/connections/status.js';

const base: StatusInput = { name: 'default', source: 'store', region: 'us', secrets: {}, checks: {} };
const at = '2030-01-01T00:00:00.000Z';
const workspace = { id: 'ws_1', slug: 'acme', name: 'Acme' };

describe('status values', () => {
  it('REQUIRES_PARAMETERS names what is missing per capability', () => {
    const s = buildStatus(base);
    expect(s.status).toBe('REQUIRES_PARAMETERS');
    expect(s.capabilities.tracking).toMatchObject({ state: 'REQUIRES_PARAMETERS', missing: ['writeKey'] });
    expect(s.capabilities.public_api).toMatchObject({ state: 'REQUIRES_PARAMETERS', missing: ['token'] });
    expect(s.instruction).toMatch(/action "connect"/);
    expect(s.instruction).toMatch(/never into the chat/);
  });

  it('ACTIVE with workspace, region, source name and last verified time', () => {
    const s = buildStatus({
      ...base,
      region: 'eu',
      secrets: { writeKey: 'w', token: 't' },
      checks: { token: { state: 'ACTIVE', detail: 'ok', at, workspace, worked: true }, write_key: { state: 'ACTIVE', detail: 'ok', at, source_name: 'Website' } },
    });
    expect(s).toMatchObject({ status: 'ACTIVE', region: 'eu', workspace, last_verified_at: at, capabilities: { tracking: { state: 'ACTIVE', source_name: 'Website' }, public_api: { state: 'ACTIVE' } } });
    expect(s.instruction).toBeUndefined();
  });

  it('a write key that cannot be checked is UNVERIFIED, with the connection ACTIVE and a note on how to verify', () => {
    const s = buildStatus({ ...base, secrets: { writeKey: 'w' }, checks: { write_key: { state: 'UNVERIFIED', detail: 'no token', at } } });
    expect(s.status).toBe('ACTIVE');
    expect(s.capabilities.tracking.state).toBe('UNVERIFIED');
    expect(s.instruction).toMatch(/could not be verified/);
    expect(s.instruction).toMatch(/workspace tools \(a Public API token\)/);
  });

  it('FAILED says which check and why', () => {
    const s = buildStatus({ ...base, secrets: { writeKey: 'w', token: 't' }, checks: { token: { state: 'ACTIVE', detail: 'ok', at, workspace }, write_key: { state: 'FAILED', detail: 'No source has this write key', at } } });
    expect(s.status).toBe('FAILED');
    expect(s.capabilities.tracking.detail).toMatch(/No source/);
    // The Tracking API never refuses a key (a review, 2026-12-07): the instruction says what failed.
    expect(s.instruction).toMatch(/^No source of the workspace has the write key/);
  });

  it('EXPIRED outranks FAILED', () => {
    const s = buildStatus({ ...base, secrets: { writeKey: 'w', token: 't' }, checks: { token: { state: 'EXPIRED', detail: 'now refused', at, worked: true }, write_key: { state: 'FAILED', detail: 'x', at } } });
    expect(s.status).toBe('EXPIRED');
  });

  it('INITIATED while a connect link is open, with the link and its expiry', () => {
    const s = buildStatus({ ...base, connect: { url: 'http://127.0.0.1:1/connect/x', expires_at: at } });
    expect(s).toMatchObject({ status: 'INITIATED', redirect_url: 'http://127.0.0.1:1/connect/x', expires_at: at });
    expect(s.instruction).toMatch(/confirm ACTIVE/);
  });

  it('undecryptable stored secrets make both capabilities FAILED with the reason', () => {
    const s = buildStatus({ ...base, problem: 'the key file was replaced' });
    expect(s.status).toBe('FAILED');
    expect(s.capabilities.public_api.detail).toMatch(/key file was replaced/);
  });

  it('env credentials are fixed by the operator, not by a connect link', () => {
    const s = buildStatus({ ...base, source: 'env', secrets: { token: 't' }, checks: { token: { state: 'FAILED', detail: 'refused', at } } });
    expect(s.instruction).toMatch(/SEGMENT_PUBLIC_API_TOKEN/);
    expect(s.instruction).not.toMatch(/connect"/);
  });

  it('an unreachable Segment is FAILED in status but does not block calls', () => {
    const check = { state: 'FAILED' as const, detail: 'Could not reach', at, unreachable: true };
    const s = buildStatus({ ...base, secrets: { token: 't' }, checks: { token: check } });
    expect(s.status).toBe('FAILED');
    expect(s.instruction).toMatch(/verify" again/);
    expect(isUsable(s.capabilities.public_api, check)).toBe(true);
    expect(isUsable({ state: 'FAILED', detail: 'refused' }, { state: 'FAILED', detail: 'refused', at })).toBe(false);
    expect(isUsable({ state: 'EXPIRED', detail: 'x' })).toBe(false);
    expect(isUsable({ state: 'REQUIRES_PARAMETERS', detail: 'x' })).toBe(false);
  });
});
