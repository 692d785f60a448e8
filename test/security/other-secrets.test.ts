import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli-process.js';

/**
 * Secrets the router holds besides the active connection's: another stored connection's key (a shared
 * workspace's sources list every write key), and the HTTP transport's bearer token.
 */
const DEFAULT_KEY = 'wk_DEFAULTkey1234567890AB';
const OTHER_KEY = 'wk_prodKEY_7Hq2Lm9Rt4Wx8Zc3';
const OTHER_TOKEN = 'sgp_prodTOK_Qw3Er5Ty7Ui9Op1As2Df4';
const HTTP_TOKEN = 'HttpTok_9f8e7d6c5b4a3210ffee';

let upstream: Server | undefined;
afterEach(() => upstream?.close());

/** A Public API whose sources list both connections' write keys, and a Tracking API that echoes what it got. */
async function echoing(): Promise<string> {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/sources')) res.end(JSON.stringify({ data: { sources: [{ id: 'src_1', writeKeys: [DEFAULT_KEY, OTHER_KEY, OTHER_TOKEN] }], pagination: { current: 'c' } } }));
      else {
        res.statusCode = 400;
        res.end(JSON.stringify({ success: false, message: `bad request: ${body}` }));
      }
    });
  });
  await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', () => r()));
  const { port } = upstream.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

function homeEnv(url: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-other-')), SEGMENT_TRACKING_API_URL: url, SEGMENT_PUBLIC_API_URL: url, SEGMENT_ROUTER_MAX_RETRIES: '0' };
}

describe('secrets besides the active connection', () => {
  // Found by a review (2026-12-07): another stored connection's key was shown whole until that connection
  // had been resolved in the process (MCP: until a status call named it).
  it("another stored connection's secrets are masked in answers from the first call", async () => {
    const env = homeEnv(await echoing());
    expect((await runCli(['connections', 'add', '--stdin', '--skip-verify'], { env, input: JSON.stringify({ writeKey: DEFAULT_KEY, token: 'sgp_DEFAULTtoken1234567890abcdXYZ' }) })).code).toBe(0);
    expect((await runCli(['connections', 'add', '--stdin', '--skip-verify', '--name', 'other'], { env, input: JSON.stringify({ writeKey: OTHER_KEY, token: OTHER_TOKEN }) })).code).toBe(0);
    const out = await runCli(['call', 'SEGMENT_LIST_SOURCES', '--json', '--args', '{}'], { env });
    expect(out.stdout).toContain('src_1');
    for (const secret of [DEFAULT_KEY, OTHER_KEY, OTHER_TOKEN]) expect(out.stdout + out.stderr).not.toContain(secret);
  });

  // Found by a review (2026-12-07): the bearer token of --auth-token-file was never registered for
  // redaction: echoed by an upstream or written in the audit log, it stayed whole.
  it('the HTTP bearer token is masked in answers and in the audit log', async () => {
    const env = { ...homeEnv(await echoing()), SEGMENT_WRITE_KEY: DEFAULT_KEY };
    const tokenFile = join(env.SEGMENT_ROUTER_HOME!, 'token');
    writeFileSync(tokenFile, `${HTTP_TOKEN}\n`, { mode: 0o600 });
    const server = await startCli(['serve', '--transport', 'http', '--port', '0', '--auth-token-file', tokenFile, '--write=allow', '--audit-payloads'], env, /127\.0\.0\.1:\d+/);
    try {
      const url = server.ready.match(/http:\/\/127\.0\.0\.1:\d+/)![0];
      const res = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${HTTP_TOKEN}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_TRACK', arguments: { userId: HTTP_TOKEN, event: 'Order Completed' } } } }),
      });
      const text = await res.text();
      expect(text).toContain('SEGMENT_TRACK');
      expect(text).not.toContain(HTTP_TOKEN);
      expect(readFileSync(join(env.SEGMENT_ROUTER_HOME!, 'audit', 'audit.jsonl'), 'utf8')).not.toContain(HTTP_TOKEN);
      expect(server.stdout() + server.stderr()).not.toContain(HTTP_TOKEN);
    } finally {
      await server.stop();
    }
  });
});
