import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { callTool, sandboxEnv, startRouter, TOKEN, trackingRequests, WRITE_KEY } from '../helpers/router.js';
import { RawRouter } from '../helpers/raw-rpc.js';
import { makeBatch, until } from '../helpers/batch.js';
import { readAuditLines } from '../helpers/audit-file.js';

/**
 * The server stays healthy whatever the client does on stdio: broken and wrong-shaped JSON-RPC,
 * oversized messages and arguments, cancelling a call, and hanging up in the middle of one.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

async function setup(args: string[] = ['--write=allow'], env: Record<string, string> = {}) {
  const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  const e = sandboxEnv(sb, env);
  const raw = new RawRouter(args, e);
  cleanup.push(() => sb.close(), () => raw.stop());
  return { sb, raw, env: e };
}

/** Every line the server wrote to stdout is one JSON-RPC message: nothing else ever reaches the protocol stream. */
function expectCleanStdout(raw: RawRouter) {
  expect(raw.badLines).toEqual([]);
  for (const l of raw.lines) expect(l.jsonrpc).toBe('2.0');
}

// Found by an adversarial review (2026-12-07): an unknown field named __proto__ vanished in the SDK's and
// zod's copies of the arguments; a PATCH went out with an empty body, answered successful.
describe('an argument named __proto__', () => {
  it('is refused as an unknown field, like any other, and nothing is sent', async () => {
    const { raw, sb } = await setup(['--write=allow']);
    await raw.initialize();
    const line = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_UPDATE_SOURCE","arguments":{"sourceId":"src_web","__proto__":{"enabled":true}}}}}';
    await raw.write(line + '\n');
    const r = (await raw.response(7)).result.structuredContent;
    expect(r.successful).toBe(false);
    expect(r.error.kind).toBe('validation');
    expect(JSON.stringify(r.error)).toContain('__proto__');
    expect(sb.requests.filter((q) => q.method === 'PATCH')).toEqual([]);
    expectCleanStdout(raw);
  });

  // Noticed in the review of 2026-12-07: direct mode (each tool its own MCP tool) still lost the key.
  it('is refused the same way in direct mode, and nothing is sent', async () => {
    const { raw, sb } = await setup(['--write=allow', '--tools-mode=direct']);
    await raw.initialize();
    const line = '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"integration__segment__segment_update_source","arguments":{"sourceId":"src_web","__proto__":{"enabled":true}}}}';
    await raw.write(line + '\n');
    const r = (await raw.response(8)).result.structuredContent;
    expect(r.successful).toBe(false);
    expect(r.error.kind).toBe('validation');
    expect(JSON.stringify(r.error)).toContain('__proto__');
    expect(sb.requests.filter((q) => q.method === 'PATCH')).toEqual([]);
    expectCleanStdout(raw);
  });
});

describe('malformed JSON-RPC on stdio', () => {
  it('garbage, wrong shapes and split writes are answered or ignored, and the server keeps serving', async () => {
    const { raw, sb } = await setup();
    const garbage = [
      'not json at all',
      '{',
      '}{',
      'null',
      '"a string"',
      '42',
      '[]',
      '[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
      '{}',
      '{"jsonrpc":"1.0","id":2,"method":"ping"}',
      '{"jsonrpc":"2.0","id":{"nested":true},"method":"ping"}',
      '{"jsonrpc":"2.0","method":42}',
      '\u0000\u0001\u00ff binary-ish',
      'x'.repeat(1_000_000),
      '{"jsonrpc":"2.0","id":99,"method":"tools/list",BROKEN',
      '   ',
      '',
    ];
    for (const g of garbage) await raw.write(g + '\n');
    await raw.write('{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n');
    // One message split over several writes, and two messages in one write.
    await raw.write('{"jsonrpc":"2.0",');
    await new Promise((r) => setTimeout(r, 30));
    await raw.write('"id":"split","method":"ping"}\n{"jsonrpc":"2.0","id":"two-a","method":"ping"}\n{"jsonrpc":"2.0","id":"two-b","method":"ping"}\n');

    // A broken line whose id can be read gets a parse error for that id: the client does not hang.
    expect((await raw.response(99)).error.code).toBe(-32700);
    expect((await raw.response(2)).error.code).toBe(-32600);
    for (const id of ['crlf', 'split', 'two-a', 'two-b']) expect((await raw.response(id)).result).toEqual({});

    await raw.initialize();
    // Protocol-level mistakes: unknown method, params of the wrong shape, unknown tool, EXECUTE_TOOL with junk.
    expect((await raw.request(7, 'no/such/method')).error.code).toBe(-32601);
    expect((await raw.request(8, 'tools/call', 'not an object')).error).toBeDefined();
    expect((await raw.request(9, 'tools/call', { name: 'NO_SUCH_TOOL', arguments: {} })).result?.isError ?? (await raw.response(9)).error).toBeTruthy();
    const junk = await raw.request(10, 'tools/call', { name: 'EXECUTE_TOOL', arguments: { tool_slug: 42, arguments: [1, 2], dry_run: 'yes' } });
    expect(junk.result?.isError ?? !!junk.error).toBe(true);

    // Still healthy: lists tools and sends a real event.
    expect((await raw.request(11, 'tools/list')).result.tools.map((t: { name: string }) => t.name).sort()).toEqual(['EXECUTE_TOOL', 'MANAGE_CONNECTIONS', 'RUN_SCRIPT', 'SEARCH_TOOLS']);
    const ok = await raw.execute(12, 'SEGMENT_TRACK', { userId: 'u-1', event: 'Still Alive' });
    expect(ok.successful).toBe(true);
    expect(sb.events.map((e) => e.event)).toEqual(['Still Alive']);
    expect(raw.child.exitCode).toBeNull();
    expectCleanStdout(raw);
  });
});

describe('requests that do not fit MCP, as an agent sends them', () => {
  it('params of the wrong type are -32602 naming the field (not an internal error with a dump); an echoed id is cut; a Segment slug called as a tool is sent to EXECUTE_TOOL', async () => {
    const { raw } = await setup();
    await raw.initialize();
    const wrongType = await raw.request(1, 'tasks/get', { taskId: 5 });
    expect(wrongType.error.code).toBe(-32602);
    expect(wrongType.error.message).toMatch(/^Invalid params: params\.taskId: expected string, received number\./);
    const call = await raw.request(2, 'tools/call', { name: 7 });
    expect(call.error).toMatchObject({ code: -32602, message: expect.stringMatching(/params\.name: expected string/) });

    const long = await raw.request(3, 'tasks/cancel', { taskId: 'q'.repeat(200_000) });
    expect(long.error.code).toBe(-32602);
    expect(long.error.message.length).toBeLessThan(400);
    expect(long.error.message).toMatch(/\(200,000 characters\).*tasks\/list/);

    const slug = await raw.request(4, 'tools/call', { name: 'segment_track', arguments: { userId: 'u1', event: 'Signed Up' } });
    expect(slug.result.isError).toBe(true);
    expect(slug.result.content[0].text).toMatch(/^SEGMENT_TRACK is a Segment tool, not one of this server's MCP tools: run it through EXECUTE_TOOL with \{"tool_slug":"SEGMENT_TRACK"/);
    const unknown = await raw.request(5, 'tools/call', { name: 'x'.repeat(50_000), arguments: {} });
    expect(unknown.result.content[0].text.length).toBeLessThan(400);
    expect(unknown.result.content[0].text).toMatch(/this server's tools are SEARCH_TOOLS, MANAGE_CONNECTIONS, EXECUTE_TOOL, RUN_SCRIPT/);
    expect((await raw.request(6, 'ping')).result).toEqual({});
    expectCleanStdout(raw);
  });
});

describe('oversized input', () => {
  it('arguments over the 5 MB limit are refused with a clear message naming the limit; the server keeps serving', async () => {
    const { raw, sb } = await setup();
    await raw.initialize();
    const big = makeBatch(24_000, { padOf: () => 200 }).batch; // ~7 MB of JSON
    const res = await raw.execute(1, 'SEGMENT_BATCH', { batch: big }, 20_000);
    expect(res.successful).toBe(false);
    expect(res.error.kind).toBe('validation');
    expect(res.error.message).toMatch(/limit is 5,000,000 bytes/);
    expect(res.error.details.issues[0].field).toBe('(arguments)');
    expect(sb.requests).toHaveLength(0);
    // Just under the limit still goes through.
    const fits = makeBatch(12_000, { padOf: () => 150 }).batch;
    expect(Buffer.byteLength(JSON.stringify({ batch: fits }))).toBeLessThan(5_000_000);
    const sent = await raw.execute(2, 'SEGMENT_BATCH', { batch: fits }, 20_000);
    expect(sent.successful).toBe(true);
    expect(sent.data.accepted).toBe(12_000);
    expectCleanStdout(raw);
  });

  it('25,000 messages of 200 bytes each fit, as the description says; one byte more each does not', async () => {
    const { raw, sb } = await setup();
    await raw.initialize();
    const sized = (n: number, bytes: number) =>
      Array.from({ length: n }, (_, i) => {
        const m = { type: 'track', userId: `u${String(i).padStart(5, '0')}`, event: 'Sized', properties: { pad: '' } };
        m.properties.pad = 'x'.repeat(bytes - JSON.stringify(m).length);
        return m;
      });
    const over = await raw.execute(1, 'SEGMENT_BATCH', { batch: sized(25_000, 201) }, 30_000);
    expect(over.error.kind).toBe('validation');
    expect(sb.requests).toHaveLength(0);
    const batch = sized(25_000, 200);
    expect(batch.every((m) => JSON.stringify(m).length === 200)).toBe(true);
    const sent = await raw.execute(2, 'SEGMENT_BATCH', { batch }, 60_000);
    expect(sent.data.accepted).toBe(25_000);
  });

  it('a message over the 16 MB stdio limit is skipped as it streams and answered with an error; the server keeps serving', async () => {
    const { raw } = await setup();
    await raw.initialize();
    const pad = 'y'.repeat(17 * 1024 * 1024);
    // The SDK writes "id" last; the server finds it at the end of the line.
    await raw.write(`{"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_TRACK","arguments":{"userId":"u","event":"${pad}"}}},"jsonrpc":"2.0","id":77}\n`);
    const refused = await raw.response(77, 20_000);
    expect(refused.error.code).toBe(-32600);
    expect(refused.error.message).toMatch(/over this server's limit/);
    // And without any id to answer: nothing to say, but nothing breaks.
    await raw.write(`${pad}\n`);
    expect((await raw.request(78, 'ping')).result).toEqual({});
    expect(raw.child.exitCode).toBeNull();
    expect(raw.stderr).toMatch(/refused a message from the client \(id 77\)/);
    expectCleanStdout(raw);
  });
});

describe('large calls one after another on stdio', () => {
  it('each reaches Segment as sent, whether sent while another runs or after it was answered (the lines share memory)', async () => {
    const { raw, sb } = await setup();
    await raw.initialize();
    const tags = ['first', 'second', 'third', 'fourth'];
    const batches = tags.map((tag) => makeBatch(6_000, { tag, padOf: (i) => 40 + (i % 7) * 20 }).batch.map((m, i) => ({ ...m, userId: `${tag}-${i}` })));
    const line = (k: number) => ({ jsonrpc: '2.0', id: k, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: batches[k] } } } });
    // Two at once (the second line arrives while the first call is being sent), then two more, each after the last answer.
    await raw.send(line(0));
    await raw.send(line(1));
    for (const k of [0, 1]) expect((await raw.response(k, 30_000)).result.structuredContent.data.accepted).toBe(6_000);
    for (const k of [2, 3]) {
      await raw.send(line(k));
      expect((await raw.response(k, 30_000)).result.structuredContent.data.accepted).toBe(6_000);
    }
    const got = new Map(sb.events.map((e) => [e.userId, e.message]));
    expect(got.size).toBe(24_000);
    for (const batch of batches) for (const m of batch) expect(got.get(m.userId)).toMatchObject(m);
    expectCleanStdout(raw);
  });
});

describe('request ids on stdio', () => {
  it('a request that reuses the id of one still running is refused: the batch went out twice, and two answers came for one id', async () => {
    const { raw, sb } = await setup();
    await raw.initialize();
    sb.faults.add({ path: '/v1/batch', delayMs: 1_000, times: 5 });
    const call = (id: number, tag: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: [{ type: 'track', userId: tag, event: 'Order Completed' }] } } } });
    // The second line comes while the first call waits for Segment.
    await raw.send(call(7, 'first'));
    await raw.send(call(7, 'second'));
    await until(() => raw.lines.filter((l) => l.id === 7).length >= 2, 15_000);
    const answers = raw.lines.filter((l) => l.id === 7);
    expect(answers[0].error).toMatchObject({ code: -32600, message: expect.stringMatching(/id 7 is already used by a request still running.*nothing was run/) });
    expect(answers[1].result.structuredContent.data.accepted).toBe(1);
    expect(sb.events.map((e) => e.userId)).toEqual(['first']);
    // Once answered, the id is the client's to use again (the spec asks clients not to; refusing it would mean remembering every id).
    await raw.send(call(7, 'third'));
    await until(() => raw.lines.filter((l) => l.id === 7).length >= 3, 15_000);
    expect(raw.lines.filter((l) => l.id === 7)[2].result.structuredContent.data.accepted).toBe(1);
    expectCleanStdout(raw);
  });
});

describe('a client that goes away mid-call', () => {
  it('cancelling a long batch stops sending, the server answers the next call, and the attempt is audited', async () => {
    const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const env = sandboxEnv(sb);
    const router = await startRouter({ args: ['--write=allow'], env });
    cleanup.push(() => sb.close(), () => router.close());
    sb.faults.add({ path: '/v1/batch', delayMs: 1_500, times: 100 });
    const ac = new AbortController();
    const call = callTool(router.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch: makeBatch(20_000, { padOf: () => 50 }).batch } }, { signal: ac.signal, timeout: 30_000 });
    await until(() => trackingRequests(sb).length >= 4, 20_000);
    ac.abort('the user changed their mind');
    await expect(call).rejects.toThrow();
    const seenAtCancel = trackingRequests(sb).length;
    sb.faults.clear();
    const next = await callTool(router.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'After Cancel' } });
    expect(next.structured.successful).toBe(true);
    // Only the one new event went out: the cancelled batch sent no further request.
    expect(trackingRequests(sb).length).toBe(seenAtCancel + 1);
    const audit = join(env.SEGMENT_ROUTER_HOME!, 'audit', 'audit.jsonl');
    // Wait for the whole line: matching its first bytes and parsing at once read half a line under load.
    await until(() => readAuditLines(audit).some((l) => l.slug === 'SEGMENT_BATCH'), 15_000);
    const batchLine = readAuditLines(audit).find((l) => l.slug === 'SEGMENT_BATCH');
    // Its requests went out and their answers never came (cancelled): Segment may have them (40563fe).
    expect(batchLine.outcome).toBe('unknown');
    expect(batchLine.message_count).toBeGreaterThan(0);
  });

  it('hanging up (stdin closed) during a batch: the server cancels it, writes its audit line, and exits cleanly', async () => {
    const { raw, sb, env } = await setup();
    await raw.initialize();
    // Every answer is held back 30 s: exiting well before that proves the call was cancelled, not waited out.
    sb.faults.add({ path: '/v1/batch', delayMs: 30_000, times: 100 });
    await raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: makeBatch(5_000).batch } } } });
    await until(() => sb.requests.length >= 1);
    const started = Date.now();
    raw.child.stdin!.end();
    const exit = await raw.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(raw.stderr).not.toMatch(/Unhandled|TypeError|ReferenceError|at .*\.js:\d+/);
    const lines = readFileSync(join(env.SEGMENT_ROUTER_HOME!, 'audit', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ slug: 'SEGMENT_BATCH', decision: 'allow', outcome: 'unknown' });
  });

  // Found by a review (2026-12-07): `echo <request> | segment-router serve` got no answer at all for a call
  // that needed the network (the server exited as its stdin ended), and exit code 0.
  it('a request and then the end of input (a pipe): its answer is written before the server exits', async () => {
    const { raw, sb } = await setup();
    await raw.initialize();
    sb.faults.add({ path: '/sources', delayMs: 800, times: 1 });
    await raw.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: {} } } });
    raw.child.stdin!.end();
    expect(await raw.exited).toEqual({ code: 0, signal: null });
    const answer = raw.lines.find((l) => l.id === 7);
    expect(answer?.result?.structuredContent?.successful).toBe(true);
  });

  it('a client that stops reading (stdout closed) does not crash the server into a stack trace', async () => {
    const { raw } = await setup();
    await raw.initialize();
    raw.child.stdout!.destroy();
    await raw.send({ jsonrpc: '2.0', id: 5, method: 'tools/list' }).catch(() => {});
    await raw.send({ jsonrpc: '2.0', id: 6, method: 'tools/list' }).catch(() => {});
    raw.child.stdin!.end();
    const exit = await raw.exited;
    expect(raw.stderr).not.toMatch(/Error: write EPIPE|Unhandled|at .*\.js:\d+/);
    expect(raw.stderr).toMatch(/stdout closed by the client/);
    expect(exit.code).toBe(0);
  });
});

describe('the search index on stdio', () => {
  it('loads when initialize arrives, before the client has said initialized', async () => {
    const { raw } = await setup([], { SEGMENT_ROUTER_LOG_LEVEL: 'debug' });
    const r = await raw.request('init', 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
    expect(r.result.protocolVersion).toBe('2025-06-18');
    // No notifications/initialized: the client is still reading the answer.
    await until(() => raw.stderr.includes('search index loaded'), 10_000);
    expectCleanStdout(raw);
  });

  it('builds none before answering initialize when none was saved for its tools (a scoped registry): SEARCH_TOOLS builds it', async () => {
    const { raw } = await setup(['--toolsets=sources'], { SEGMENT_ROUTER_LOG_LEVEL: 'debug' });
    await raw.initialize();
    const r = await raw.request('s', 'tools/call', { name: 'SEARCH_TOOLS', arguments: { queries: [{ use_case: 'list sources' }] } }, 20_000);
    expect(r.result.structuredContent.results[0].primary_tool_slugs[0]).toBe('SEGMENT_LIST_SOURCES');
    // Building at initialize took seconds for a scoped registry, and logged as a load.
    expect(raw.stderr).not.toContain('search index loaded');
    expectCleanStdout(raw);
  });
});
