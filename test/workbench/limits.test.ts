import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, sandboxWithRouter } from '../helpers/router.js';
import { appWithSandbox } from '../helpers/inprocess.js';
import { SCRIPT_LIMITS } from '../../src/workbench/limits.js';

/**
 * The sandbox holds: no way to the host, and each limit ends a script cleanly with an error naming
 * it and the calls that already ran. The server keeps answering other calls while a script spins.
 */

type Env = Awaited<ReturnType<typeof appWithSandbox>>;

describe('no way out of the sandbox', () => {
  let env: Env;
  beforeAll(async () => {
    env = await appWithSandbox({ write: 'deny' });
  });
  afterAll(() => env.close());

  const attempts: [string, string, RegExp][] = [
    ['require', `return require('fs').readFileSync('/etc/passwd', 'utf8')`, /require is not available in RUN_SCRIPT/],
    ['dynamic import', `return await import('node:fs')`, /import\("node:fs"\) is not available in RUN_SCRIPT/],
    ['static import', `import fs from 'node:fs'; return 1`, /SyntaxError/],
    ['process', `return process.env`, /ReferenceError: 'process' is not defined/],
    ['fetch', `return await fetch('http://127.0.0.1/')`, /fetch is not available in RUN_SCRIPT/],
    ['setTimeout', `await new Promise((r) => setTimeout(r, 10)); return 1`, /setTimeout is not available in RUN_SCRIPT/],
    ['the Function constructor', `return Function('return process')()`, /ReferenceError: 'process' is not defined/],
    ['a constructor chain', `return (async () => {}).constructor.constructor('return require("child_process")')()`, /require is not available in RUN_SCRIPT/],
  ];
  for (const [name, script, error] of attempts) {
    it(`${name}: a clear error inside the script`, async () => {
      const r = await env.app.workbench.run({ script });
      expect(r.successful).toBe(false);
      expect(r.error!.kind).toBe('script');
      expect(r.error!.message).toMatch(error);
    });
  }

  it('the global scope holds only the language, tools and console', async () => {
    const r = await env.app.workbench.run({ script: `return ['process', 'require', 'module', 'Buffer', 'global', 'WebAssembly', 'Deno', 'std', 'os'].filter((n) => typeof globalThis[n] !== 'undefined' && typeof globalThis[n] !== 'function' || (typeof globalThis[n] === 'function' && !/not available/.test((() => { try { globalThis[n](); } catch (e) { return e.message; } })())))` });
    expect(r.result).toEqual([]);
  });

  it('a run leaves nothing behind for the next one', async () => {
    await env.app.workbench.run({ script: `globalThis.leak = 42; Object.prototype.polluted = true; return 1` });
    const r = await env.app.workbench.run({ script: `return [typeof leak, ({}).polluted]` });
    expect(r.result).toEqual(['undefined', null]);
  });
});

describe('limits', () => {
  let env: Env;
  beforeAll(async () => {
    env = await appWithSandbox({ write: 'deny' });
  });
  afterAll(() => env.close());

  it('wall time: an infinite loop (even inside try/catch) stops at timeout_ms, with the calls made before it', async () => {
    const r = await env.app.workbench.run({ script: `const s = await tools.all('SEGMENT_LIST_SOURCES', {});\ntry { while (true) {} } catch (e) { return 'escaped'; }`, timeoutMs: 8_000 });
    expect(r.successful).toBe(false);
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'wall_time' });
    expect(r.error!.message).toMatch(/wall-time limit \(8,000 ms\)/);
    expect(r.error!.hint).toMatch(/timeout_ms/);
    expect(r.calls!.map((c) => c.slug)).toEqual(['SEGMENT_LIST_SOURCES']);
    expect((r.calls![0]!.data as { sources: unknown[] }).sources).toHaveLength(env.sandbox.publicApi.sources.length);
  });

  it('wall time: a script waiting on a slow call is stopped too, and the call is cancelled', async () => {
    env.sandbox.faults.add({ path: '/sources', delayMs: 5_000 });
    const t0 = Date.now();
    const r = await env.app.workbench.run({ script: `return await tools.call('SEGMENT_LIST_SOURCES', {})`, timeoutMs: 1_000 });
    expect(Date.now() - t0).toBeLessThan(4_500);
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'wall_time' });
    expect(r.calls).toHaveLength(1);
    expect(r.calls![0]!.successful).toBe(false);
    env.sandbox.faults.clear();
  });

  it('cancellation (the client gave up): the script is stopped at once, with the calls made before it', async () => {
    const cancel = new AbortController();
    env.sandbox.reset();
    // Cancel once the script's call has been answered and it spins.
    const watch = setInterval(() => {
      if (env.sandbox.requests.some((q) => q.path === '/sources/src_web')) setTimeout(() => cancel.abort(), 300);
    }, 50);
    let cancelledAt = 0;
    cancel.signal.addEventListener('abort', () => (cancelledAt = Date.now(), clearInterval(watch)));
    const r = await env.app.workbench.run({ script: `await tools.call('SEGMENT_GET_SOURCE', { sourceId: 'src_web' });\nwhile (true) {}`, timeoutMs: 60_000 }, { signal: cancel.signal });
    clearInterval(watch);
    expect(cancelledAt).toBeGreaterThan(0);
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    expect(r.error).toMatchObject({ kind: 'cancelled' });
    expect(r.calls!.map((c) => c.slug)).toEqual(['SEGMENT_GET_SOURCE']);
  });

  it('memory: a memory bomb stops at 64 MB', async () => {
    for (const script of [`const a = []; for (let i = 0; ; i++) a.push([i, i, i, i, i, i, i, i]);`, `return 'x'.repeat(2 ** 27).length;`]) {
      const r = await env.app.workbench.run({ script, timeoutMs: 100_000 });
      expect(r.error, script).toMatchObject({ kind: 'limit', limit: 'memory' });
      expect(r.error!.message).toMatch(/memory limit \(64 MB\)/);
    }
  }, 240_000);

  // Found by an adversarial review (2026-12-07): after an await, freeing the exhausted engine aborted it:
  // the run hung to its wall time (reported as wall_time, "pass a larger timeout_ms"), or after a tool
  // call failed as "internal", and the engine's abort line reached the server's stderr.
  it.each([
    ['after await null', 'await null;'],
    ['after a tool call', "await tools.call('SEGMENT_LIST_SOURCES', {});"],
  ])('memory: a bomb %s stops at the memory limit, and the next script runs', async (_name, first) => {
    const started = Date.now();
    const r = await env.app.workbench.run({ script: `${first} const a = []; for (;;) a.push(new Array(1e5).fill(1));`, timeoutMs: 20_000 });
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'memory' });
    expect(Date.now() - started).toBeLessThan(10_000);
    const next = await env.app.workbench.run({ script: 'return 1 + 1;' });
    expect(next.result).toBe(2);
  }, 60_000);

  it('memory: allocations the heap cannot count (large strings and arrays) still stop near the limit, and the grown thread is not kept', async () => {
    // QuickJS counts a 1 MB string as a few bytes in this build: without a cap on the engine's
    // WebAssembly memory this script held 2 GB and left its thread idle at that size.
    for (const make of [`'x'.repeat(1e6)`, `new Uint8Array(1e6)`]) {
      const script = `let a = []; try { for (;;) a.push(${make}); } catch (e) { const n = a.length; a = null; return { n, error: String(e) }; }`;
      const r = await env.app.workbench.run({ script, timeoutMs: 100_000 });
      expect(r.result, make).toMatchObject({ error: 'InternalError: out of memory' });
      expect((r.result as { n: number }).n, make).toBeLessThanOrEqual(SCRIPT_LIMITS.engineMemoryBytes / 1e6);
    }
    const idle = (env.app.workbench as unknown as { pool: { idle: { grown: boolean }[] } }).pool.idle;
    // Strictly false: a thread that never learnt its memory's size would not pass.
    expect(idle.every((t) => t.grown === false)).toBe(true);
  }, 240_000);

  it('a script whose error cannot be read before the deadline (a looping getter) is stopped at the wall time', async () => {
    const r = await env.app.workbench.run({ script: `const e = new Error('x'); Object.defineProperty(e, 'message', { get() { for (;;) {} } }); throw e;`, timeoutMs: 1_000 });
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'wall_time' });
  });

  it('a fifth script at once is told the sandbox is busy and to try again, not to simplify it', async () => {
    const spinning = Array.from({ length: 4 }, () => env.app.workbench.run({ script: 'while (true) {}', timeoutMs: 3_000 }));
    await new Promise((r) => setTimeout(r, 300));
    const r = await env.app.workbench.run({ script: 'return 1' });
    expect(r.error).toMatchObject({ kind: 'busy' });
    expect(r.error!.message).toMatch(/4 scripts are running/);
    expect(r.error!.hint).toMatch(/again/);
    expect(r.error!.hint).not.toMatch(/simplify/);
    await Promise.all(spinning);
    expect((await env.app.workbench.run({ script: 'return 2' })).result).toBe(2);
  }, 30_000);

  it('stack depth: runaway recursion ends cleanly', async () => {
    const r = await env.app.workbench.run({ script: `function down(n) { return down(n + 1) + 1; }\nreturn down(0);` });
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'stack_depth' });
    const deepJson = await env.app.workbench.run({ script: `let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return o;` });
    expect(deepJson.successful).toBe(false);
    expect(deepJson.error!.kind).toMatch(/limit|script/);
    // Ordinary recursion still works.
    expect((await env.app.workbench.run({ script: `function f(n) { return n ? f(n - 1) + 1 : 0; } return f(500);` })).result).toBe(500);
  });

  it('tool calls: the 501st call is refused and the run ends naming the limit, even if the script catches it', async () => {
    const r = await env.app.workbench.run({ script: `let n = 0; for (let i = 0; i < 600; i++) { try { await tools.call('SEGMENT_GET_SOURCE', {}); } catch (e) { n++; } } return n;`, timeoutMs: 120_000 });
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'tool_calls' });
    expect(r.error!.message).toMatch(/tool-call limit \(500 calls per run\)/);
    expect(r.calls).toHaveLength(500);
    expect(r.tool_calls.total).toBe(500);
  }, 120_000);

  // Found by an adversarial review (2026-12-07): every call's arguments and answer were kept for the
  // partial report; four scripts of calls with megabytes of arguments took the server out of memory, and
  // one alone answered the bare text "Invalid string length".
  it('the records of a run keep at most 16 MB of arguments and answers; later calls say what they left out', async () => {
    const script = `const big = 'x'.repeat(1_000_000);
      for (let i = 0; i < 40; i++) await tools.call('SEGMENT_GET_SOURCE', { sourceId: 's' + i, note: big }).catch(() => {});
      throw new Error('stop here');`;
    const r = await env.app.workbench.run({ script, timeoutMs: 120_000 });
    expect(r.error).toMatchObject({ kind: 'script' });
    expect(r.calls).toHaveLength(40);
    expect(JSON.stringify(r.calls).length).toBeLessThan(17 * 1024 * 1024);
    const left = r.calls!.filter((c) => c.left_out_bytes);
    expect(left.length).toBeGreaterThan(20);
    expect(left[0]).toMatchObject({ slug: 'SEGMENT_GET_SOURCE', successful: false, left_out_bytes: expect.any(Number) });
    expect(left[0]!.arguments).toBeUndefined();
    expect(r.calls![0]!.arguments).toMatchObject({ sourceId: 's0' });
  }, 120_000);

  // Found by the review of the mends (2026-12-07): 16 MB of JSON kept as [{},{},...] is some 40 times that
  // once parsed: four scripts took the server to 3.3 GB. What a record costs parsed is what counts.
  it('records are counted by what they cost once parsed, not by their JSON\'s length', async () => {
    const script = `const many = Array(1_000_000).fill({});
      await tools.call('SEGMENT_GET_SOURCE', { sourceId: 's', many }).catch(() => {});
      throw new Error('stop here');`;
    const r = await env.app.workbench.run({ script, timeoutMs: 60_000 });
    expect(r.calls).toHaveLength(1);
    expect(r.calls![0]).toMatchObject({ slug: 'SEGMENT_GET_SOURCE', left_out_bytes: expect.any(Number) });
    expect(r.calls![0]!.arguments).toBeUndefined();
  }, 60_000);

  it('answer size: a return value over 8 MB is refused by name', async () => {
    const r = await env.app.workbench.run({ script: `return 'x'.repeat(9 * 1024 * 1024);` });
    expect(r.error).toMatchObject({ kind: 'limit', limit: 'answer_size' });
  });

  it('console output is capped, and what was dropped is counted', async () => {
    const r = await env.app.workbench.run({ script: `for (let i = 0; i < 5000; i++) console.log('line ' + i + ' ' + 'x'.repeat(50)); return 1;` });
    expect(r.result).toBe(1);
    expect(r.logs!.join('\n').length).toBeLessThan(21_000);
    expect(r.logs_dropped).toBeGreaterThan(4000);
  });

  it('after each limit, the next script runs normally', async () => {
    expect((await env.app.workbench.run({ script: `return (await tools.all('SEGMENT_LIST_SOURCES', {})).length` })).result).toBe(env.sandbox.publicApi.sources.length);
  });
});

describe('over MCP: the server keeps serving while a script spins', () => {
  let env: Awaited<ReturnType<typeof sandboxWithRouter>>;
  beforeAll(async () => {
    env = await sandboxWithRouter();
  });
  afterAll(() => env.close());

  it('SEARCH_TOOLS, MANAGE_CONNECTIONS and another script are answered during a busy script; cancelling it stops it', async () => {
    let busyEnded = false;
    const cancel = new AbortController();
    const busy = callTool(env.router.client, 'RUN_SCRIPT', { script: 'while (true) {}', timeout_ms: 120_000 }, { timeout: 180_000, signal: cancel.signal }).then(
      () => (busyEnded = true),
      (err: Error) => err,
    );
    // Let the busy script start before the others are sent.
    await new Promise((r) => setTimeout(r, 1_000));
    const [search, status, other] = await Promise.all([
      env.call('SEARCH_TOOLS', { queries: [{ use_case: 'list sources' }] }),
      env.call('MANAGE_CONNECTIONS', { toolkits: ['segment'] }),
      env.call('RUN_SCRIPT', { script: `return (await tools.all('SEGMENT_LIST_SOURCES', {})).map((s) => s.id)` }),
    ]);
    expect(search.structured.results[0].primary_tool_slugs.length).toBeGreaterThan(0);
    expect(status.structured.results[0].status).toBe('ACTIVE');
    expect(other.structured.result).toEqual(env.sandbox.publicApi.sources.map((s) => s.id));
    // All answered while the busy script still spins; the client's cancellation then stops it.
    expect(busyEnded).toBe(false);
    cancel.abort();
    expect(String(await busy)).toMatch(/abort/i);
    const after = await env.call('RUN_SCRIPT', { script: 'return 42' });
    expect(after.structured.result).toBe(42);
  }, 180_000);
});
