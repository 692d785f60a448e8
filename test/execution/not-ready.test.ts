import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecrets, sandboxWithRouter, TOKEN } from '../helpers/router.js';
import { NO_ENV_CREDS } from '../helpers/connections.js';

/** EXECUTE_TOOL on a capability that is not ready answers with the status and the fix, and sends nothing. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const track = { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Order Completed' } };

describe('EXECUTE_TOOL before the connection is ready', () => {
  it('no write key: not_connected with the status and the instruction, and the sandbox saw no request at all', async () => {
    const h = await sandboxWithRouter({ env: { ...NO_ENV_CREDS, SEGMENT_PUBLIC_API_TOKEN: TOKEN }, args: ['--write=allow'] });
    cleanups.push(h.close);
    const r = await h.call('EXECUTE_TOOL', track);
    expect(r.result.isError).toBe(true);
    expect(r.structured.error.kind).toBe('not_connected');
    expect(r.structured.error.message).toMatch(/needs the Segment write key/);
    expect(r.structured.error.details.connection).toMatchObject({ status: expect.any(String), capabilities: { tracking: { state: 'REQUIRES_PARAMETERS', missing: ['writeKey'] } } });
    expect(r.structured.error.hint).toMatch(/SEGMENT_WRITE_KEY/);
    expect(h.sandbox.requests).toHaveLength(0);
    expect(h.sandbox.events).toHaveLength(0);
    expectNoSecrets(r.text, h.router.stderr());
  });

  it('nothing configured: the fix is the connect action', async () => {
    const h = await sandboxWithRouter({ env: NO_ENV_CREDS, args: ['--write=allow'] });
    cleanups.push(h.close);
    const r = await h.call('EXECUTE_TOOL', track);
    expect(r.structured.error.kind).toBe('not_connected');
    expect(r.structured.error.details.connection.status).toBe('REQUIRES_PARAMETERS');
    expect(r.structured.error.hint).toMatch(/action "connect"/);
    expect(h.sandbox.requests).toHaveLength(0);
  });

  it('a write key found in no source (FAILED): refused before any tracking request', async () => {
    const h = await sandboxWithRouter({ sandbox: { writeKeys: ['some_other_write_key_000'] }, args: ['--write=allow'] });
    cleanups.push(h.close);
    expect((await h.call('MANAGE_CONNECTIONS', {})).structured.results[0].capabilities.tracking.state).toBe('FAILED');
    h.sandbox.reset();
    const r = await h.call('EXECUTE_TOOL', track);
    expect(r.structured.error.kind).toBe('not_connected');
    expect(r.structured.error.details.connection).toMatchObject({ status: 'FAILED', capabilities: { tracking: { state: 'FAILED' } } });
    expect(h.sandbox.requests).toHaveLength(0);
    expectNoSecrets(r.text, h.router.stderr());
  });

  it('a write key that only could not be verified is still usable', async () => {
    const h = await sandboxWithRouter({ env: { SEGMENT_PUBLIC_API_TOKEN: undefined }, args: ['--write=allow'] });
    cleanups.push(h.close);
    const r = await h.call('EXECUTE_TOOL', track);
    expect(r.structured.successful).toBe(true);
    expect(h.sandbox.events).toHaveLength(1);
  });
});
