import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { TOKEN, WRITE_KEY, callTool, expectNoSecrets, sandboxEnv } from '../helpers/router.js';
import { runCli, startCli, type LongRunning } from '../helpers/cli-process.js';

/**
 * Resolves every name to 127.0.0.1, as a DNS-rebinding attacker's name would: the request reaches the
 * local server but carries the attacker's name in Host. All traffic stays on loopback.
 */
const rebinding = new Agent({
  connect: { lookup: ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as never },
});
const viaLoopback = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: rebinding })) as unknown as typeof fetch;

let sb: Sandbox;
let env: Record<string, string>;
const running: LongRunning[] = [];

beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  env = sandboxEnv(sb);
});
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await sb.close();
  await rebinding.close();
});

/** Starts `serve --transport=http` on a free port; returns the port from its ready line. */
async function serveHttp(args: string[] = []) {
  const proc = await startCli(['serve', '--transport=http', '--port', '0', ...args], env, /MCP \(Streamable HTTP/);
  running.push(proc);
  const port = Number(/:(\d+)\/mcp/.exec(proc.ready)![1]);
  return { proc, port, url: `http://127.0.0.1:${port}/mcp` };
}

async function connect(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: viaLoopback }));
  return client;
}

describe('serve --transport=http on loopback', () => {
  let srv: Awaited<ReturnType<typeof serveHttp>>;
  beforeAll(async () => {
    srv = await serveHttp(['--write=allow']);
  });

  it('serves the four meta tools to the SDK Streamable HTTP client, through the one executor', async () => {
    const client = await connect(srv.url);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['SEARCH_TOOLS', 'MANAGE_CONNECTIONS', 'EXECUTE_TOOL', 'RUN_SCRIPT']);
      const search = await callTool(client, 'SEARCH_TOOLS', { queries: [{ use_case: 'track an event' }] });
      expect(search.structured.results[0].primary_tool_slugs).toContain('SEGMENT_TRACK');
      const run = await callTool(client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u_http', event: 'Http Tested' } });
      expect(run.structured.successful).toBe(true);
      expect(sb.events.some((e) => e.event === 'Http Tested')).toBe(true);
      expectNoSecrets(search.text, run.text, srv.proc.stderr());
    } finally {
      await client.close();
    }
  });

  it('is stateless: no session id, JSON responses, any request answered on its own', async () => {
    const res = await fetch(srv.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    const body = (await res.json()) as { id: number; result: { tools: unknown[] } };
    expect(body.id).toBe(7);
    expect(body.result.tools).toHaveLength(4);
    // Several clients at once, each on its own (what a load balancer spreads across instances).
    const clients = await Promise.all([connect(srv.url), connect(srv.url), connect(srv.url)]);
    const answers = await Promise.all(clients.map((c, i) => callTool(c, 'MANAGE_CONNECTIONS', { toolkits: ['segment'] }).then((r) => [i, r.structured.results[0].status])));
    expect(answers).toEqual([[0, 'ACTIVE'], [1, 'ACTIVE'], [2, 'ACTIVE']]);
    await Promise.all(clients.map((c) => c.close()));
    expect((await fetch(srv.url)).status).toBe(405);
  });

  it('answers GET /healthz for load balancers', async () => {
    const res = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    const host = await connect(`http://attacker.example:${srv.port}/mcp`).catch((e: Error & { code?: number }) => e);
    expect(host).toMatchObject({ code: 403, message: expect.stringContaining('attacker.example') });
    expect((host as Error).message).toMatch(/Host \\?"attacker\.example:\d+\\?" is not allowed/);
    const origin = await connect(srv.url, { Origin: 'http://attacker.example' }).catch((e: Error & { code?: number }) => e);
    expect(origin).toMatchObject({ code: 403, message: expect.stringMatching(/Origin \\?"http:\/\/attacker\.example\\?" is not allowed/) });
    const browserSameOrigin = await connect(srv.url, { Origin: `http://127.0.0.1:${srv.port}` });
    await browserSameOrigin.close();
  });

  it('serves direct mode too, through the same executor', async () => {
    const d = await serveHttp(['--tools-mode=direct', '--write=allow', '--toolsets=tracking']);
    const client = await connect(d.url);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('integration__segment__segment_track');
      const r = await callTool(client, 'integration__segment__segment_track', { userId: 'u_http', event: 'Direct Over Http' });
      expect(r.structured.successful).toBe(true);
      expect(sb.events.some((e) => e.event === 'Direct Over Http')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('accepts the names given with --allowed-hosts', async () => {
    const named = await serveHttp(['--allowed-hosts', 'mcp.internal']);
    const client = await connect(`http://mcp.internal:${named.port}/mcp`);
    expect((await client.listTools()).tools).toHaveLength(4);
    await client.close();
  });
});

describe('serve --transport=http off loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-auth-'));
  const tokenFile = join(dir, 'token');
  const secret = 'test-bearer-0123456789abcdef0123456789';
  writeFileSync(tokenFile, secret + '\n');
  chmodSync(tokenFile, 0o600);

  it('will not bind 0.0.0.0 without --auth-token-file', async () => {
    const r = await runCli(['serve', '--transport=http', '--host', '0.0.0.0', '--port', '0'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --auth-token-file F');
  });

  it('refuses a missing or wrong bearer token, accepts the right one; health needs none', async () => {
    const srv = await serveHttp(['--host', '0.0.0.0', '--auth-token-file', tokenFile]);
    expect(srv.proc.ready).toContain('http://0.0.0.0:');
    // Bound to every interface, but reached only through loopback.
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-of-some-length' }, { Authorization: secret }]) {
      const refused = await connect(srv.url, headers).catch((e: Error & { code?: number }) => e);
      expect(refused).toMatchObject({ code: 401, message: expect.stringContaining('bearer token') });
    }
    const client = await connect(srv.url, { Authorization: `Bearer ${secret}` });
    expect((await client.listTools()).tools).toHaveLength(4);
    await client.close();
    expect((await fetch(`http://127.0.0.1:${srv.port}/healthz`)).status).toBe(200);
    expect(srv.proc.stderr()).not.toContain(secret);
  });

  it('refuses a token file that is missing or too short', async () => {
    const short = join(dir, 'short');
    writeFileSync(short, 'abc');
    expect((await runCli(['serve', '--transport=http', '--host', '0.0.0.0', '--auth-token-file', short], { env })).code).toBe(2);
    expect((await runCli(['serve', '--transport=http', '--host', '0.0.0.0', '--auth-token-file', join(dir, 'absent')], { env })).code).toBe(2);
  });
});

// Found by an adversarial review (2026-12-07): Ctrl-C waited for every running call (44 s against a Segment
// that hung) and a second Ctrl-C was ignored; over stdio running calls are cancelled and given 3 s.
describe('serve --transport=http at shutdown', () => {
  const exitOf = (child: import('node:child_process').ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
  const hang = () => sb.faults.add({ path: '/v1/', delayMs: 120_000, times: 5 });

  it('Ctrl-C cancels running calls and exits within seconds; a second Ctrl-C exits at once', { timeout: 60_000 }, async () => {
    for (const second of [false, true]) {
      const { proc, url } = await serveHttp(['--write=allow']);
      hang();
      const call = fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u-stop', event: 'Hang Test' } } } }),
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 800));
      const started = Date.now();
      proc.child.kill('SIGINT');
      if (second) {
        await new Promise((r) => setTimeout(r, 200));
        proc.child.kill('SIGINT');
      }
      const code = await exitOf(proc.child);
      expect(Date.now() - started).toBeLessThan(second ? 1_500 : 8_000);
      expect(code).toBe(second ? 130 : 0);
      await call;
      sb.faults.clear();
    }
  });
});

describe('serve --transport=http refusals', () => {
  it('refuses --write=ask: confirmation needs a stream back to the client', async () => {
    const r = await runCli(['serve', '--transport=http', '--write=ask'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--write=ask cannot be used with --transport=http');
    expect(r.stderr).toContain('elicitation');
  });

  it('refuses HTTP flags on stdio and an unknown transport', async () => {
    expect((await runCli(['serve', '--port', '3333'], { env })).code).toBe(2);
    expect((await runCli(['serve', '--transport=sse'], { env })).code).toBe(2);
    const mode = await runCli(['serve', '--tools-mode=all'], { env });
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('--tools-mode must be meta or direct');
    expect(mode.stderr).toContain('segment-router serve --help');
  });
});

describe('serve --transport=http under a connection flood', () => {
  it('a client that never finishes its headers is cut within seconds, not held for 88 s', { timeout: 60_000 }, async () => {
    const { port } = await serveHttp();
    const { connect: tcp } = await import('node:net');
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = tcp(port, '127.0.0.1', () => socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `));
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => resolve(Date.now() - started));
    });
    expect(closedAfter).toBeLessThan(20_000);
  });
});

describe('serve --transport=http under hostile JSON', () => {
  it('a body nested millions deep within the size limit is refused before it is parsed, and the server stays small', { timeout: 60_000 }, async () => {
    const { proc, port } = await serveHttp();
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"SEARCH_TOOLS","arguments":{"queries":[{"use_case":"list sources"}]},"x":${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}}}`;
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: deep });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/nested deeper than 100,000 levels/);
    const status = (await import('node:fs')).readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
    expect(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024).toBeLessThan(300);
  });

  it('a body that is not UTF-8 is refused with a parse error that says so; nothing is run', async () => {
    const { port } = await serveHttp();
    const head = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"SEARCH_TOOLS","arguments":{"queries":[{"use_case":"list sources');
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: Buffer.concat([head, Buffer.from([0xff]), Buffer.from('"}]}}}')]) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/not valid UTF-8/);
  });

  it('params of the wrong type are answered -32602 naming the field, as on stdio', async () => {
    const { port } = await serveHttp();
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 42 } }) });
    const answer = (await res.json()) as { error: { code: number; message: string } };
    expect(answer.error.code).toBe(-32602);
    expect(answer.error.message).toMatch(/^Invalid params: params\.name: expected string, received number\./);
  });

  it('a JSON-RPC batch of more messages than the cap is refused whole, before any is run; a small batch is still answered', { timeout: 60_000 }, async () => {
    const { port } = await serveHttp();
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'SEARCH_TOOLS', arguments: { queries: [{ use_case: 'list sources' }] } } });
    const post = (body: unknown) =>
      fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-03-26' }, body: JSON.stringify(body) });
    // The SDK takes up to 100: one request then carried a hundred requests' work (1,000 searches).
    const big = await post(Array.from({ length: 11 }, (_, i) => call(i)));
    expect(big.status).toBe(400);
    expect(await big.text()).toMatch(/batch of 11 messages: this server takes at most 10 in one request/);
    const small = await post([call(1), call(2)]);
    expect(small.status).toBe(200);
    const answers = (await small.json()) as { id: number; result?: unknown }[];
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
    expect(answers.every((a) => a.result)).toBe(true);
    // Two requests of one batch with one id: both ran, and their answers could not be told apart.
    const twice = await post([call(5), call(5)]);
    expect(twice.status).toBe(400);
    expect(await twice.text()).toMatch(/id 5 is used by two requests of the batch; nothing was run/);
    // An empty batch is one Invalid Request, as JSON-RPC 2.0 says (it was 202 and nothing: a review, 2026-12-07).
    const empty = await post([]);
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/empty/) } });
  });
});
