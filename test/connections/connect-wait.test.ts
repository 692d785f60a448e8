import { afterEach, describe, expect, it } from 'vitest';
import { ConnectPortal } from '../../src/connections/connect-server.js';
import { callTool, expectNoSecrets, sandboxWithRouter, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { NO_ENV_CREDS, submitConnectForm } from '../helpers/connections.js';

/** MANAGE_CONNECTIONS action "wait": bounded, told by the link itself, with progress on the way. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function portal(ttlMs: number) {
  const p = new ConnectPortal({ submit: async () => ({ ok: false, error: 'not in this test' }), describe: () => ({ region: 'us', stored: { writeKey: false, token: false } }) }, ttlMs);
  cleanups.push(() => p.close());
  return p;
}

describe('waiting for a connect link', () => {
  it('ends when the link expires, is withdrawn, the bound passes or the caller cancels; at once with no link', async () => {
    const p = portal(400);
    expect(await p.wait('default', 5_000)).toBe('no_open_link');

    await p.open('default');
    let t = Date.now();
    expect(await p.wait('default', 50)).toBe('timeout');
    expect(Date.now() - t).toBeLessThan(400);
    expect(p.pending('default')).toBeDefined();
    t = Date.now();
    expect(await p.wait('default', 60_000)).toBe('expired');
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(p.pending('default')).toBeUndefined();

    const long = portal(60_000);
    await long.open('default');
    const withdrawn = long.wait('default', 60_000);
    long.cancel('default');
    expect(await withdrawn).toBe('withdrawn');

    await long.open('other');
    const ctl = new AbortController();
    const cancelled = long.wait('other', 60_000, ctl.signal);
    ctl.abort();
    expect(await cancelled).toBe('cancelled');
    expect(long.pending('other')).toBeDefined(); // cancelling the wait leaves the link open
  });
});

describe('MANAGE_CONNECTIONS action "wait" over stdio', () => {
  it('returns the new status once the person submits the page, with progress while it waits', async () => {
    const h = await sandboxWithRouter({ env: NO_ENV_CREDS });
    cleanups.push(h.close);
    const none = await h.call('MANAGE_CONNECTIONS', { action: 'wait' });
    expect(none.structured.wait).toMatchObject({ outcome: 'no_open_link' });
    expect(none.structured.wait.note).toMatch(/action "connect" first/);
    expect(none.structured.results[0].status).toBe('REQUIRES_PARAMETERS');

    const link = (await h.call('MANAGE_CONNECTIONS', { action: 'connect' })).structured.results[0];
    expect(link.instruction).toMatch(/action "wait"/);
    const short = await h.call('MANAGE_CONNECTIONS', { action: 'wait', wait_seconds: 1 });
    expect(short.structured.wait).toMatchObject({ outcome: 'timeout' });
    expect(short.structured.wait.waited_seconds).toBeGreaterThanOrEqual(1);
    expect(short.structured.results[0].status).toBe('INITIATED');

    const progress: { progress: number; total?: number; message?: string }[] = [];
    const started = Date.now();
    const waiting = callTool(h.router.client, 'MANAGE_CONNECTIONS', { action: 'wait' }, { onprogress: (p) => void progress.push(p), timeout: 130_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    const page = await submitConnectForm(link.redirect_url, { writeKey: WRITE_KEY, token: TOKEN, region: 'us' });
    expect(page.status).toBe(200);
    const done = await waiting;
    expect(done.structured.wait).toMatchObject({ outcome: 'completed' });
    expect(done.structured.results[0]).toMatchObject({ status: 'ACTIVE', source: 'store', capabilities: { tracking: { state: 'ACTIVE' }, public_api: { state: 'ACTIVE' } } });
    expect(done.structured.results[0].redirect_url).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ total: 120 });
    expect(progress[0]!.message).toMatch(/connect page/);
    expectNoSecrets(done.text, h.router.stderr());
  });

  it('refuses a wait longer than 120 seconds before waiting', async () => {
    const h = await sandboxWithRouter({ env: NO_ENV_CREDS });
    cleanups.push(h.close);
    const t = Date.now();
    const r = await h.call('MANAGE_CONNECTIONS', { action: 'wait', wait_seconds: 600 });
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(/wait_seconds/);
    expect(Date.now() - t).toBeLessThan(10_000);
  });
});
