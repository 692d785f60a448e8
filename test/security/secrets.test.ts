import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { CLI, sandboxEnv } from '../helpers/router.js';
import { makeBatch } from '../helpers/batch.js';
import { findLeak, freshSecrets, readTree } from '../helpers/secrets.js';
import { startTapped, type TappedRouter } from '../helpers/tapped.js';

/**
 * Known write key and token values, driven through every path a user or a model can read: results
 * (success, each kind of error, dry run), progress, the whole protocol stream, debug logs on stderr,
 * the audit log with payloads, connection status, and CLI output. Not one 8-character piece of either
 * may appear, even when the upstream echoes them back in an error body.
 */

const S = freshSecrets();
const SECRETS = [S.writeKey, S.token, S.badToken];
const seen: { where: string; text: string }[] = [];
const read = (where: string, text: string) => seen.push({ where, text });

let sb: Sandbox;
const routers: TappedRouter[] = [];
const homes: string[] = [];

function env(extra: Record<string, string | undefined> = {}) {
  const e = sandboxEnv(sb, { SEGMENT_WRITE_KEY: S.writeKey, SEGMENT_PUBLIC_API_TOKEN: S.token, SEGMENT_ROUTER_TIMEOUT_MS: '2000', SEGMENT_ROUTER_MAX_RETRIES: '1', ...extra });
  homes.push(e.SEGMENT_ROUTER_HOME!);
  return e;
}

async function router(args: string[], e: Record<string, string>) {
  const r = await startTapped(['serve', ...args], e);
  routers.push(r);
  return r;
}

async function call(r: TappedRouter, name: string, args: Record<string, unknown>, where: string) {
  const progress: string[] = [];
  const result = await r.client.callTool({ name, arguments: args }, undefined, { onprogress: (p) => void progress.push(JSON.stringify(p)), timeout: 30_000 });
  read(`${where} (result)`, JSON.stringify(result));
  read(`${where} (progress)`, progress.join('\n'));
  return result as { structuredContent?: any; isError?: boolean };
}

const exec = (slug: string, args: unknown, extra: Record<string, unknown> = {}) => ({ tool_slug: slug, arguments: args, ...extra });

beforeAll(async () => {
  sb = await startSandbox({ tokens: [S.token], writeKeys: [S.writeKey] });
});

afterAll(async () => {
  for (const r of routers) await r.close().catch(() => {});
  await sb.close();
});

describe('secrets never appear where a user or a model can read', () => {
  it('drives every path with --write=allow --log-level debug --audit-payloads', async () => {
    const r = await router(['--write=allow', '--log-level', 'debug', '--audit-payloads'], env());
    // Connection status and search (which carries the connection summary).
    expect((await call(r, 'MANAGE_CONNECTIONS', {}, 'status')).structuredContent.results[0].status).toBe('ACTIVE');
    await call(r, 'MANAGE_CONNECTIONS', { action: 'verify' }, 'verify');
    await call(r, 'SEARCH_TOOLS', { queries: [{ use_case: 'track an event' }, { use_case: 'list sources' }] }, 'search');

    // Success, with the key pasted into the payload by a careless caller.
    const ok = await call(r, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', { userId: 'u-1', event: 'Signed Up', properties: { pasted: S.writeKey } }), 'track');
    expect(ok.structuredContent.successful).toBe(true);
    const batch = await call(r, 'EXECUTE_TOOL', exec('SEGMENT_BATCH', { batch: makeBatch(3_000).batch }), 'batch');
    expect(batch.structuredContent.successful).toBe(true);

    // Dry runs show the request with its Authorization header.
    const dry = await call(r, 'EXECUTE_TOOL', exec('SEGMENT_IDENTIFY', { userId: 'u-1' }, { dry_run: true }), 'dry run');
    expect(JSON.stringify(dry.structuredContent)).toMatch(/Basic <write key \*{4}[0-9a-f]{4}>/);
    await call(r, 'EXECUTE_TOOL', exec('SEGMENT_BATCH', { batch: makeBatch(10, { invalidEvery: 3 }).batch }, { dry_run: true }), 'batch dry run');

    // Validation errors that quote the input: unknown field named after the key, the key as a slug, broken JSON made of it.
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', { userId: 'u', event: 'E', [S.writeKey]: 1 }), 'unknown field')).structuredContent.error.kind).toBe('validation');
    expect((await call(r, 'EXECUTE_TOOL', exec(S.writeKey, {}), 'unknown tool')).structuredContent.error.kind).toBe('unknown_tool');
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', S.writeKey), 'broken JSON string')).structuredContent.error.kind).toBe('validation');
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', `{"userId": "${S.token}"`), 'broken JSON string 2')).structuredContent.error.kind).toBe('validation');

    // Upstream errors whose bodies echo the credentials: whole, and cut right through the key at the 200-character snippet.
    const echo = { message: 'p'.repeat(175) + '{{credential}} and {{authorization}}', auth: '{{authorization}}' };
    sb.faults.add({ path: '/v1/track', status: 400, body: echo });
    const e400 = await call(r, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', { userId: 'u', event: 'E' }), 'upstream 400 echo');
    expect(e400.structuredContent.error.kind).toBe('upstream');
    expect(e400.structuredContent.error.message).toContain('pppp');
    sb.faults.add({ path: '/v1/identify', status: 503, body: { errors: [{ message: 'key {{credential}} header {{authorization}}' }] }, times: 5 });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_IDENTIFY', { userId: 'u' }), 'upstream 503 echo')).structuredContent.error.kind).toBe('upstream');
    sb.faults.add({ path: '/v1/batch', match: '"userId":"u-2500"', status: 502, body: { echo: '{{authorization}} / {{credential}}' }, times: 10 });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_BATCH', { batch: makeBatch(6_000).batch }), 'partial batch echo')).structuredContent.error.kind).toBe('partial');

    // Network errors: a timeout and a reset.
    sb.faults.add({ path: '/v1/page', delayMs: 3_000, times: 2 });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_PAGE', { userId: 'u' }), 'timeout')).structuredContent.error.kind).toBe('network');
    sb.faults.add({ path: '/v1/screen', reset: true, times: 2 });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_SCREEN', { userId: 'u' }), 'reset')).structuredContent.error.kind).toBe('network');

    // Public API: success, a dry run with the Bearer header, and errors whose messages echo the token (cut mid-token at 200 characters too).
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_LIST_SOURCES', {}), 'public list')).structuredContent.successful).toBe(true);
    await call(r, 'EXECUTE_TOOL', exec('SEGMENT_CREATE_SOURCE', { slug: 'web', enabled: true, metadataId: 'm1' }, { dry_run: true }), 'public dry run');
    sb.faults.add({ path: '/sources', status: 422, body: { errors: [{ type: 'validation', message: 'q'.repeat(190) + '{{credential}}' }, { type: 'x', message: '{{authorization}}' }] } });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_LIST_SOURCES', {}), 'public 422 echo')).structuredContent.successful).toBe(false);
    sb.faults.add({ path: '/sources', status: 500, body: { errors: [{ message: 'boom {{credential}} {{authorization}}' }] }, times: 5 });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_LIST_SOURCES', {}), 'public 500 echo')).structuredContent.successful).toBe(false);
    sb.faults.add({ path: '/sources', status: 401, body: { errors: [{ type: 'unauthorized', message: 'token {{credential}} refused' }] } });
    expect((await call(r, 'EXECUTE_TOOL', exec('SEGMENT_LIST_SOURCES', {}), 'public 401 echo')).structuredContent.error.kind).toBeDefined();
    await call(r, 'MANAGE_CONNECTIONS', {}, 'status after 401');

    // The Public API refusing the token with an echo, seen through connection status.
    sb.faults.add({ path: '/', status: 401, body: { errors: [{ type: 'unauthorized', message: 'bad token {{credential}} ({{authorization}})' }] } });
    const refused = await call(r, 'MANAGE_CONNECTIONS', { action: 'verify' }, 'verify refused');
    expect(refused.structuredContent.results[0].capabilities.public_api.state).toMatch(/FAILED|EXPIRED/);
  });

  it('drives the refusals: policy (deny), not connected, a wrong token', async () => {
    const deny = await router(['--write=deny', '--log-level', 'debug'], env());
    expect((await call(deny, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', { userId: 'u', event: 'E' }), 'policy')).structuredContent.error.kind).toBe('policy');
    const noKey = await router(['--write=allow', '--log-level', 'debug'], env({ SEGMENT_WRITE_KEY: undefined }));
    expect((await call(noKey, 'EXECUTE_TOOL', exec('SEGMENT_TRACK', { userId: 'u', event: 'E' }), 'not connected')).structuredContent.error.kind).toBe('not_connected');
    const wrong = await router(['--write=allow', '--log-level', 'debug'], env({ SEGMENT_PUBLIC_API_TOKEN: S.badToken }));
    const status = await call(wrong, 'MANAGE_CONNECTIONS', { action: 'verify' }, 'wrong token');
    expect(status.structuredContent.results[0].status).toBe('FAILED');
  });

  // Some thirty CLI processes, one after another: minutes on a loaded machine, so a longer timeout.
  it('CLI output: help, version, every command\'s help and its errors, with the secrets in the environment', { timeout: 120_000 }, async () => {
    const run = promisify(execFile);
    const e = env();
    const outputs: string[] = [];
    const invoke = async (args: string[]) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: e, timeout: 10_000 });
        outputs.push(stdout, stderr);
        return stdout;
      } catch (err) {
        const x = err as { stdout?: string; stderr?: string };
        outputs.push(x.stdout ?? '', x.stderr ?? '');
        return x.stdout ?? '';
      }
    };
    const help = await invoke(['--help']);
    await invoke(['--version']);
    await invoke(['no-such-command']);
    await invoke(['serve', '--write=bogus']);
    await invoke(['serve', '--no-such-flag']);
    const commands = [...help.matchAll(/^ {2}([a-z][a-z-]+)\s{2,}/gm)].map((m) => m[1]!);
    expect(commands).toContain('serve');
    for (const c of commands.filter((c) => c !== 'serve' && c !== 'sandbox')) await invoke([c, '--help']);
    // The one-shot commands run tools through the same executor: success, dry run, each refusal, an upstream echo.
    const track = JSON.stringify({ userId: 'u', event: 'From CLI' });
    if (commands.includes('call')) {
      const echo400 = () => sb.faults.add({ path: '/v1/track', status: 400, body: { message: 'p'.repeat(175) + '{{credential}} {{authorization}}' } });
      await invoke(['call', 'SEGMENT_TRACK', '--args', track, '--write=allow', '--json']);
      await invoke(['call', 'SEGMENT_TRACK', '--args', track, '--dry-run']);
      await invoke(['call', 'SEGMENT_BATCH', '--args', JSON.stringify({ batch: makeBatch(20, { invalidEvery: 4 }).batch }), '--dry-run', '--json']);
      await invoke(['call', 'SEGMENT_TRACK', '--args', track, '--write=deny', '--json']);
      await invoke(['call', S.writeKey, '--args', track]);
      await invoke(['call', 'SEGMENT_TRACK', '--args', JSON.stringify({ userId: 'u', event: 'E', [S.writeKey]: 1 }), '--write=allow']);
      // Arguments that are not JSON: the parser's message quotes a piece of them.
      await invoke(['call', 'SEGMENT_TRACK', '--args', S.writeKey]);
      await invoke(['call', 'SEGMENT_TRACK', '--args', `{"userId": "${S.token}`, '--json']);
      for (const json of [[], ['--json']]) {
        echo400();
        await invoke(['call', 'SEGMENT_TRACK', '--args', track, '--write=allow', ...json]);
      }
      expect(sb.events.some((ev) => ev.event === 'From CLI')).toBe(true);
    }
    if (commands.includes('search')) await invoke(['search', 'track an event', '--json']);
    if (commands.includes('tools')) await invoke(['tools', '--json']);
    if (commands.includes('schema')) await invoke(['schema', 'SEGMENT_TRACK']);
    read('cli', outputs.join('\n'));
  });

  it('…and none of it, nor the raw protocol stream, stderr, MCP logs or the audit log, holds a secret', async () => {
    for (const r of routers) {
      await r.close();
      read('protocol stream (stdout)', r.transport.stdout);
      read('stderr (debug logs)', r.transport.stderr);
      read('MCP log notifications', r.logs.join('\n'));
    }
    const audits = homes.flatMap((h) => readTree(join(h, 'audit')));
    expect(audits.length).toBeGreaterThan(0);
    for (const f of audits) read(`audit ${f.path}`, f.text);
    // The checks above really saw the dangerous material (not a vacuous pass).
    const all = seen.map((s) => s.text).join('\n');
    expect(all).toMatch(/"level":"debug"/);
    expect(all).toMatch(/"args":\{/); // --audit-payloads recorded arguments
    expect(sb.requests.some((q) => q.status === 400)).toBe(true);
    for (const { where, text } of seen) {
      const leak = findLeak(text, SECRETS);
      expect(leak, `secret in ${where}: ${leak}`).toBeUndefined();
    }
  });
});
