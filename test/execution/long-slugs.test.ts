import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { MAX_SLUG_LENGTH } from '../../src/registry/slug.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { startCli, type LongRunning } from '../helpers/cli-process.js';
import { sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { appWithSandbox, writesSeen } from '../helpers/inprocess.js';
import { RawRouter } from '../helpers/raw-rpc.js';

/**
 * A long tool_slug once froze the server: the fuzzy "did you mean" ran on the raw input, 100 KB took
 * 10 s and a 5 MB slug on stdio left the process deaf for minutes. Slugs are now refused past
 * MAX_SLUG_LENGTH before any lookup, and the server keeps answering meanwhile.
 */

let env: { app: App; sandbox: Sandbox; close(): Promise<void> };
beforeAll(async () => {
  env = await appWithSandbox({ write: 'allow' });
});
afterAll(() => env.close());

describe('a slug too long to be a slug', () => {
  it('is refused unread, naming tool_slug and the limit, in a short message', async () => {
    for (const slug of ['A'.repeat(5_000_000), 'segment_'.repeat(100_000), '_'.repeat(300_000) + 'x', '\u{1F600}'.repeat(200_000)]) {
      const res = await env.app.executor.execute({ slug, arguments: {} });
      expect(res.successful).toBe(false);
      expect(res.error?.kind).toBe('validation');
      expect(res.error?.message).toContain(`at most ${MAX_SLUG_LENGTH}`);
      expect(res.error?.details).toMatchObject({ issues: [{ field: 'tool_slug' }] });
      expect(JSON.stringify(res).length).toBeLessThan(1_000);
    }
    expect(writesSeen(env.sandbox)).toEqual([]);
  });

  it('a slug at the limit still gets its "did you mean"', async () => {
    const slug = `SEGMENT_TRAK${'_'.repeat(MAX_SLUG_LENGTH - 12)}`;
    expect(slug).toHaveLength(MAX_SLUG_LENGTH);
    const res = await env.app.executor.execute({ slug, arguments: {} });
    expect(res.error?.kind).toBe('unknown_tool');
    expect(res.error?.hint).toContain('SEGMENT_TRACK');
  });
});

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

function post(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with how long /healthz took to answer, or rejects past `ms`. */
function health(port: number, ms: number): Promise<number> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: ms }, (res) => {
      res.resume();
      res.on('end', () => resolve(Date.now() - start));
    });
    req.on('timeout', () => req.destroy(new Error(`/healthz did not answer within ${ms} ms`)));
    req.on('error', reject);
    req.end();
  });
}

describe('the server keeps answering while a huge slug is handled', () => {
  it('over HTTP: /healthz answers during a 1 MB slug call (it took minutes before), and the call is refused by the schema', async () => {
    const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const srv: LongRunning = await startCli(['serve', '--transport=http', '--port', '0'], sandboxEnv(sb), /MCP \(Streamable HTTP/);
    cleanup.push(() => sb.close(), () => srv.stop());
    const port = Number(/:(\d+)\/mcp/.exec(srv.ready)![1]);
    const call = (slug: string) =>
      post(port, '/mcp', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: slug, arguments: {} } } }));
    const pending = call('A'.repeat(1_000_000));
    // A liveness bound, not a speed target: the unbounded matcher needed minutes for this input.
    await new Promise((r) => setTimeout(r, 50));
    await expect(health(port, 15_000)).resolves.toBeGreaterThanOrEqual(0);
    const answer = await pending;
    expect(answer.text).toMatch(new RegExp(`${MAX_SLUG_LENGTH}`));
    expect(answer.text.length).toBeLessThan(5_000);
    // Direct mode names are bounded the same way.
    const direct = await startCli(['serve', '--transport=http', '--port', '0', '--tools-mode=direct'], sandboxEnv(sb), /MCP \(Streamable HTTP/);
    cleanup.push(() => direct.stop());
    const dport = Number(/:(\d+)\/mcp/.exec(direct.ready)![1]);
    const res = await post(dport, '/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: `integration__segment__${'a'.repeat(1_000_000)}`, arguments: {} } }));
    expect(res.text).toMatch(/Unknown tool/);
    expect(res.text.length).toBeLessThan(5_000);
  });

  it('over stdio: after a 5 MB slug the next call is answered at once and SIGTERM still ends the process', async () => {
    const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const raw = new RawRouter([], sandboxEnv(sb));
    cleanup.push(() => sb.close(), () => raw.stop());
    await raw.initialize();
    await raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'x'.repeat(5_000_000) } } });
    expect((await raw.response(1, 20_000)).result.isError).toBe(true);
    expect((await raw.request(2, 'ping', undefined, 10_000)).result).toEqual({});
    expect(raw.stderr.length).toBeLessThan(50_000); // nothing logged the slug whole
    raw.child.kill('SIGTERM');
    expect((await raw.exited).code).not.toBeNull();
  });
});
