import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callTool, expectNoSecrets, sandboxEnv, sandboxWithRouter, startRouter, TOKEN, WRITE_KEY, type StartOptions } from '../helpers/router.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { NO_ENV_CREDS, runCli, cliEnv, submitConnectForm, tempHome } from '../helpers/connections.js';

/** Each status value and transition, over real stdio against the sandbox. */

// Many tests here start two Node processes one after the other (the CLI, then the router): ~1 s of CPU
// on a quiet machine; two of them went past 30 s once each on two cores shared with a full suite and
// benches (load 9-14), where four at once took 10-14 s. A hang still fails, at 60 s.
const SLOW = { timeout: 60_000 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: Parameters<typeof sandboxWithRouter>[0] = {}) {
  const h = await sandboxWithRouter(opts);
  cleanups.push(h.close);
  const manage = async (args: Record<string, unknown> = {}) => {
    const r = await h.call('MANAGE_CONNECTIONS', args);
    expectNoSecrets(r.text, h.router.stderr());
    return r;
  };
  return { ...h, manage };
}

describe('MANAGE_CONNECTIONS status over stdio', SLOW, () => {
  it('REQUIRES_PARAMETERS with nothing configured, the same in SEARCH_TOOLS', async () => {
    const { manage, call } = await setup({ env: NO_ENV_CREDS });
    const r = await manage();
    const s = r.structured.results[0];
    expect(s).toMatchObject({ toolkit: 'segment', connection: 'default', status: 'REQUIRES_PARAMETERS', source: 'none', region: 'us' });
    expect(s.capabilities.tracking.missing).toEqual(['writeKey']);
    expect(s.capabilities.public_api.missing).toEqual(['token']);
    expect(s.instruction).toMatch(/action "connect"/);
    const search = await call('SEARCH_TOOLS', { queries: [{ use_case: 'track an event' }] });
    expect(search.structured.toolkit_connection_statuses[0]).toMatchObject({ toolkit: 'segment', status: 'REQUIRES_PARAMETERS', capabilities: { tracking: 'REQUIRES_PARAMETERS', public_api: 'REQUIRES_PARAMETERS' } });
    expect(search.structured.toolkit_connection_statuses[0].instruction).toBe(s.instruction);
  });

  it('ACTIVE from the environment: source env, workspace, source name, last verified', async () => {
    const { manage } = await setup();
    const s = (await manage({ action: 'verify' })).structured.results[0];
    expect(s).toMatchObject({
      status: 'ACTIVE',
      source: 'env',
      workspace: { id: 'ws_sandbox', slug: 'sandbox', name: 'Sandbox Workspace' },
      capabilities: { tracking: { state: 'ACTIVE', source_name: 'Website' }, public_api: { state: 'ACTIVE' } },
    });
    expect(Date.parse(s.last_verified_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a write key alone is UNVERIFIED (not ACTIVE on faith); the connection is ACTIVE and says how to verify', async () => {
    const { manage, sandbox } = await setup({ env: { SEGMENT_PUBLIC_API_TOKEN: undefined } });
    const s = (await manage({ action: 'verify' })).structured.results[0];
    expect(s.status).toBe('ACTIVE');
    expect(s.capabilities.tracking.state).toBe('UNVERIFIED');
    expect(s.capabilities.public_api.state).toBe('REQUIRES_PARAMETERS');
    expect(s.instruction).toMatch(/could not be verified/);
    expect(sandbox.requests).toHaveLength(0); // nothing to check it with, so nothing was sent
  });

  it('FAILED: a wrong token (which and why), and a write key no source has', async () => {
    const bad = await setup({ env: { SEGMENT_PUBLIC_API_TOKEN: 'sgp_not_a_valid_token_000000' } });
    const s = (await bad.manage()).structured.results[0];
    expect(s.status).toBe('FAILED');
    expect(s.capabilities.public_api).toMatchObject({ state: 'FAILED' });
    expect(s.capabilities.public_api.detail).toMatch(/HTTP 401/);
    expect(s.capabilities.tracking.state).toBe('UNVERIFIED');
    expect(s.instruction).toMatch(/SEGMENT_PUBLIC_API_TOKEN/);

    const stray = await setup({ sandbox: { writeKeys: ['some_other_write_key_000'] } });
    const t = (await stray.manage()).structured.results[0];
    expect(t.status).toBe('FAILED');
    expect(t.capabilities.tracking.state).toBe('FAILED');
    expect(t.capabilities.tracking.detail).toMatch(/No source of the workspace "Sandbox Workspace" has this write key/);
    expect(t.capabilities.public_api.state).toBe('ACTIVE');
  });

  it('ACTIVE -> EXPIRED when a token that worked is refused with 401, and back to ACTIVE when it works again', async () => {
    const { manage, sandbox } = await setup();
    expect((await manage()).structured.results[0].status).toBe('ACTIVE');
    sandbox.publicApi.tokens.delete(TOKEN);
    const s = (await manage({ action: 'verify' })).structured.results[0];
    expect(s.status).toBe('EXPIRED');
    expect(s.capabilities.public_api.state).toBe('EXPIRED');
    expect(s.capabilities.public_api.detail).toMatch(/worked before/);
    sandbox.publicApi.tokens.add(TOKEN);
    expect((await manage({ action: 'verify' })).structured.results[0].status).toBe('ACTIVE');
  });

  it('EXPIRED survives a restart for stored credentials (the store remembers the token worked)', async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    cleanups.push(() => sandbox.close());
    const home = tempHome();
    const add = await runCli(['connections', 'add', '--stdin'], cliEnv(sandbox, home), JSON.stringify({ token: TOKEN }));
    expect(add.code).toBe(0);
    sandbox.publicApi.tokens.delete(TOKEN);
    const router = await startRouter({ env: sandboxEnv(sandbox, { SEGMENT_ROUTER_HOME: home, ...NO_ENV_CREDS }) });
    cleanups.push(() => router.close());
    const r = await callTool(router.client, 'MANAGE_CONNECTIONS', {});
    expect(r.structured.results[0]).toMatchObject({ status: 'EXPIRED', source: 'store' });
    expectNoSecrets(r.text, router.stderr());
  });

  it('REQUIRES_PARAMETERS -> INITIATED -> ACTIVE through the connect page', async () => {
    const { manage, call, sandbox } = await setup({ env: NO_ENV_CREDS });
    const c = (await manage({ action: 'connect' })).structured.results[0];
    expect(c.status).toBe('INITIATED');
    expect(c.redirect_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(c.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(Date.parse(c.expires_at) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect((await manage()).structured.results[0]).toMatchObject({ status: 'INITIATED', redirect_url: c.redirect_url });
    const search = await call('SEARCH_TOOLS', { queries: [{ use_case: 'track an event' }] });
    expect(search.structured.toolkit_connection_statuses[0]).toMatchObject({ status: 'INITIATED', redirect_url: c.redirect_url });
    // A second connect while the link is open hands out the same link.
    expect((await manage({ action: 'connect' })).structured.results[0].redirect_url).toBe(c.redirect_url);

    const res = await submitConnectForm(c.redirect_url, { writeKey: WRITE_KEY, token: TOKEN, region: 'us' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('Segment connected');
    expect(res.body).toMatch(/id="status">ACTIVE</);
    expectNoSecrets(res.body);
    const s = (await manage()).structured.results[0];
    expect(s).toMatchObject({ status: 'ACTIVE', source: 'store', workspace: { slug: 'sandbox' }, capabilities: { tracking: { state: 'ACTIVE', source_name: 'Website' } } });
    expect(s.redirect_url).toBeUndefined();
    expect(sandbox.requests.some((r) => r.path === '/sources')).toBe(true);
  });

  it('connect is refused (and says why) when the environment supplies the connection', async () => {
    const { manage } = await setup();
    const r = await manage({ action: 'connect' });
    expect(r.result.isError).toBe(true);
    expect(r.structured.error.message).toMatch(/environment variables/);
    expect(r.structured.results[0].status).not.toBe('INITIATED');
  });

  it('environment credentials take precedence over stored ones, and the status says so', async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN, 'sgp_stored_token_0000000000'], writeKeys: [WRITE_KEY] });
    cleanups.push(() => sandbox.close());
    const home = tempHome();
    expect((await runCli(['connections', 'add', '--stdin'], cliEnv(sandbox, home), JSON.stringify({ token: 'sgp_stored_token_0000000000' }))).code).toBe(0);
    const router = await startRouter({ env: sandboxEnv(sandbox, { SEGMENT_ROUTER_HOME: home }) });
    cleanups.push(() => router.close());
    const s = (await callTool(router.client, 'MANAGE_CONNECTIONS', {})).structured.results[0];
    expect(s.source).toBe('env');
    expect(s.notice).toMatch(/take precedence/);
    // A named connection that the environment does not cover comes from the store.
    const other = (await callTool(router.client, 'MANAGE_CONNECTIONS', { connection: 'staging' })).structured.results[0];
    expect(other).toMatchObject({ connection: 'staging', status: 'REQUIRES_PARAMETERS', source: 'none' });
  });

  it('rejects a bad connection name and an unknown toolkit as usage errors', async () => {
    const { manage } = await setup({ env: NO_ENV_CREDS });
    const r = await manage({ connection: '../etc' });
    expect(r.result.isError).toBe(true);
    expect(r.structured.error.kind).toBe('validation');
    expect((await manage({ toolkits: ['github'] })).structured.error.message).toMatch(/only "segment"/);
  });
});

describe('disconnect', SLOW, () => {
  async function stored(onElicit?: StartOptions['onElicit'], args: string[] = []) {
    const sandbox: Sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    cleanups.push(() => sandbox.close());
    const home = tempHome();
    expect((await runCli(['connections', 'add', '--stdin'], cliEnv(sandbox, home), JSON.stringify({ writeKey: WRITE_KEY, token: TOKEN }))).code).toBe(0);
    const router = await startRouter({ env: sandboxEnv(sandbox, { SEGMENT_ROUTER_HOME: home, ...NO_ENV_CREDS }), args, ...(onElicit ? { onElicit } : {}) });
    cleanups.push(() => router.close());
    return { router, home, sandbox };
  }

  it('is confirmed through elicitation: declined keeps the connection, accepted removes it', async () => {
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const { router } = await stored(async (p) => {
      asked.push(p.message);
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
    const no = await callTool(router.client, 'MANAGE_CONNECTIONS', { action: 'disconnect' });
    expect(no.result.isError).toBe(true);
    expect(no.structured.error.kind).toBe('declined');
    expect(asked[0]).toMatch(/Remove the stored Segment connection "default"/);
    expect((await callTool(router.client, 'MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('ACTIVE');
    answer = 'accept';
    const yes = await callTool(router.client, 'MANAGE_CONNECTIONS', { action: 'disconnect' });
    expect(yes.structured).toMatchObject({ removed: 'default', results: [{ status: 'REQUIRES_PARAMETERS', source: 'none' }] });
    expect(asked).toHaveLength(2);
  });

  // Found by an adversarial review (2026-12-07): any client of a read-only HTTP gateway (no elicitation there)
  // removed the stored credentials with one call, unasked, and nothing was logged or audited.
  it('is refused when nobody can be asked, unless the operator allowed destructive writes; each removal is audited', async () => {
    const { router, sandbox, home } = await stored(undefined, ['--write=deny']);
    const r = await callTool(router.client, 'MANAGE_CONNECTIONS', { action: 'disconnect' });
    expect(r.result.isError).toBe(true);
    expect(r.structured.error.kind).toBe('policy');
    expect(r.structured.error.hint).toContain('segment-router connections remove default');
    expect((await callTool(router.client, 'MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('ACTIVE');
    const audit = () => readFileSync(join(home, 'audit', 'destructive.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // The line names the connection (it did not until 2026-12-07: only the log did).
    expect(audit().at(-1)).toMatchObject({ slug: 'MANAGE_CONNECTIONS', access: 'destructive', decision: 'deny', outcome: 'refused', connection: 'default' });
    await router.close();

    const allowed = await startRouter({ env: sandboxEnv(sandbox, { SEGMENT_ROUTER_HOME: home, ...NO_ENV_CREDS }), args: ['--write=allow', '--allow-destructive'] });
    cleanups.push(() => allowed.close());
    await callTool(allowed.client, 'MANAGE_CONNECTIONS', {});
    const before = sandbox.requests.length;
    const removed = await callTool(allowed.client, 'MANAGE_CONNECTIONS', { action: 'disconnect' });
    expect(removed.structured.removed).toBe('default');
    expect(sandbox.requests.length).toBe(before); // a local change: nothing sent to Segment
    expect(audit().at(-1)).toMatchObject({ slug: 'MANAGE_CONNECTIONS', decision: 'allow', outcome: 'sent', connection: 'default' });
    const again = await callTool(allowed.client, 'MANAGE_CONNECTIONS', { action: 'disconnect' });
    expect(again.result.isError).toBe(true);
    expect(again.structured.error.message).toMatch(/No stored connection named "default"/);
    const list = await runCli(['connections', 'list', '--json'], cliEnv(sandbox, home));
    expect(JSON.parse(list.stdout).connections).toEqual([]);
  });

  it('is annotated as a local, destructive, non-open-world tool', async () => {
    const { router } = await stored();
    const tools = await router.client.listTools();
    const t = tools.tools.find((x) => x.name === 'MANAGE_CONNECTIONS')!;
    expect(t.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: false });
    expect(Object.keys((t.inputSchema as { properties: object }).properties).sort()).toEqual(['action', 'connection', 'toolkits', 'wait_seconds']);
  });
});
