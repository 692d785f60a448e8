import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { callTool, CLI, expectNoSecrets, sandboxEnv, sandboxWithRouter, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { NO_ENV_CREDS, rawRequest, submitConnectForm } from '../helpers/connections.js';

/** The connect page's defences, driven with raw HTTP (the browser test drives the happy path in Chromium). */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function openLink() {
  const h = await sandboxWithRouter({ env: NO_ENV_CREDS });
  cleanups.push(h.close);
  const r = await h.call('MANAGE_CONNECTIONS', { action: 'connect' });
  const url: string = r.structured.results[0].redirect_url;
  return { ...h, url, host: new URL(url).host, origin: new URL(url).origin };
}

describe('connect page', () => {
  it('serves a form with strict headers, on 127.0.0.1 only', async () => {
    const { url, host } = await openLink();
    const page = await rawRequest(url, { headers: { Host: host } });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<form method="post"/);
    expect(page.body).toMatch(/name="writeKey" type="password"/);
    expect(page.body).toMatch(/name="token" type="password"/);
    expect(page.body).not.toMatch(/<script/i);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses a wrong token, another Host (DNS rebinding), other methods and cross-site posts', async () => {
    const { url, host, origin, call } = await openLink();
    const wrong = url.replace(/\/connect\/.*/, '/connect/' + 'A'.repeat(43));
    expect((await rawRequest(wrong, { headers: { Host: host } })).status).toBe(404);
    expect((await rawRequest(url, { headers: { Host: `localhost:${new URL(url).port}` } })).status).toBe(421);
    expect((await rawRequest(url, { headers: { Host: `evil.example:${new URL(url).port}` } })).status).toBe(421);
    expect((await rawRequest(url, { method: 'PUT', headers: { Host: host } })).status).toBe(405);

    const page = await rawRequest(url, { headers: { Host: host } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const form = (c: string) => new URLSearchParams({ csrf: c, token: TOKEN, writeKey: WRITE_KEY, region: 'us' }).toString();
    const post = (headers: Record<string, string>, body = form(csrf)) =>
      rawRequest(url, { method: 'POST', headers: { Host: host, 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
    // No cookie (a cross-site form cannot send a SameSite=Strict one), wrong csrf, foreign Origin, wrong encoding.
    expect((await post({ Origin: origin })).status).toBe(403);
    expect((await post({ Origin: origin, Cookie: cookie }, form('forged'))).status).toBe(403);
    expect((await post({ Origin: 'https://evil.example', Cookie: cookie })).status).toBe(403);
    expect((await post({ Origin: 'null', Cookie: cookie })).status).toBe(403);
    expect((await post({ Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await post({ Cookie: cookie, 'Content-Type': 'application/json' })).status).toBe(415);
    // None of that stored anything; the genuine form still works.
    expect((await call('MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('INITIATED');
    expect((await post({ Origin: origin, Cookie: cookie })).status).toBe(200);
    expect((await call('MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('ACTIVE');
  });

  it('shows a refusal without storing when Segment refuses the token, keeps the link open, and never echoes secrets', async () => {
    const { url, call } = await openLink();
    const res = await submitConnectForm(url, { token: 'sgp_wrong_token_1234567890', writeKey: WRITE_KEY });
    expect(res.status).toBe(422);
    expect(res.body).toMatch(/HTTP 401/);
    expect(res.body).toMatch(/Nothing was saved/);
    expect(res.body).not.toContain('sgp_wrong_token_1234567890');
    expectNoSecrets(res.body);
    expect((await call('MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('INITIATED');
    const ok = await submitConnectForm(url, { token: TOKEN, writeKey: WRITE_KEY });
    expect(ok.status).toBe(200);
  });

  it('refuses an empty form, and a write key that is in no source of the workspace', async () => {
    const { url } = await openLink();
    expect((await submitConnectForm(url, {})).body).toMatch(/Enter a write key, a Public API token, or both/);
    const stray = await submitConnectForm(url, { token: TOKEN, writeKey: 'wk_in_no_source_0000000' });
    expect(stray.status).toBe(422);
    expect(stray.body).toMatch(/No source of the workspace/);
  });

  it('a used link is refused; a later link for a stored connection keeps fields left empty', async () => {
    const { url, host, call } = await openLink();
    expect((await submitConnectForm(url, { token: TOKEN, writeKey: WRITE_KEY })).status).toBe(200);
    const reused = await rawRequest(url, { headers: { Host: host } });
    expect(reused.status).toBe(410);
    expect(reused.body).toMatch(/already used/);
    const next = (await call('MANAGE_CONNECTIONS', { action: 'connect' })).structured.results[0].redirect_url as string;
    expect(next).not.toBe(url);
    const form = await rawRequest(next, { headers: { Host: new URL(next).host } });
    expect(form.body).toMatch(/Leave empty to keep the one stored/);
    // Region only: both secrets stay as stored.
    expect((await submitConnectForm(next, { region: 'us' })).status).toBe(200);
    const s = (await call('MANAGE_CONNECTIONS', {})).structured.results[0];
    expect(s).toMatchObject({ status: 'ACTIVE', capabilities: { tracking: { state: 'ACTIVE' }, public_api: { state: 'ACTIVE' } } });
  });

  it('uses credentials that arrive through the page at once, without a restart', async () => {
    const { url, call, router, sandbox } = await openLink();
    await submitConnectForm(url, { token: TOKEN, writeKey: WRITE_KEY });
    const sent = await call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'X' } });
    // The default write policy refuses writes, but the connection is no longer what stops it.
    expect(sent.structured.error?.kind).not.toBe('not_connected');
    const dry = await call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'X' }, dry_run: true });
    expect(dry.text).toContain(`****${WRITE_KEY.slice(-4)}`);
    expectNoSecrets(dry.text, sent.text, router.stderr());
    expect(sandbox.events).toHaveLength(0);
  });
});

describe('URL-mode elicitation', () => {
  it('offers the link through the client, and tells it when the form was submitted', async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    cleanups.push(() => sandbox.close());
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve'], env: sandboxEnv(sandbox, NO_ENV_CREDS), stderr: 'pipe' });
    const client = new Client({ name: 'url-client', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    const offered: { mode?: string; url?: string; elicitationId?: string; message: string }[] = [];
    const completed: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      offered.push(req.params as (typeof offered)[number]);
      return { action: 'accept' };
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, async (n) => {
      completed.push(n.params.elicitationId);
    });
    await client.connect(transport);
    cleanups.push(() => client.close());

    const r = await callTool(client, 'MANAGE_CONNECTIONS', { action: 'connect' });
    const s = r.structured.results[0];
    expect(r.structured.elicitation).toBe('accepted');
    expect(s.status).toBe('INITIATED');
    expect(offered).toHaveLength(1);
    expect(offered[0]).toMatchObject({ mode: 'url', url: s.redirect_url });
    expect(offered[0]!.elicitationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.redirect_url).not.toContain(offered[0]!.elicitationId);

    await submitConnectForm(s.redirect_url, { token: TOKEN, writeKey: WRITE_KEY });
    await expect.poll(() => completed).toEqual([offered[0]!.elicitationId]);
    expect((await callTool(client, 'MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('ACTIVE');
  });

  it('withdraws the link when the user declines it', async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    cleanups.push(() => sandbox.close());
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve'], env: sandboxEnv(sandbox, NO_ENV_CREDS), stderr: 'pipe' });
    const client = new Client({ name: 'url-client', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    await client.connect(transport);
    cleanups.push(() => client.close());
    const r = await callTool(client, 'MANAGE_CONNECTIONS', { action: 'connect' });
    expect(r.result.isError).toBe(true);
    expect(r.structured.elicitation).toBe('declined');
    expect(r.structured.results[0].status).toBe('REQUIRES_PARAMETERS');
  });
});
