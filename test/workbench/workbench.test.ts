import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import type { CallSummary } from '../../src/policy/write-policy.js';
import { expectNoSecrets, TOKEN } from '../helpers/router.js';
import { appWithSandbox, writesSeen } from '../helpers/inprocess.js';
import { validArgs } from '../helpers/valid-args.js';

/**
 * RUN_SCRIPT in process: the script API (tools.call, tools.all, console.log, return), and every call
 * taking the executor's path: the write policy (deny, ask, allow), dry runs, audit and redaction.
 */

type Env = Awaited<ReturnType<typeof appWithSandbox>>;
/** The sandbox workspace's sources, as the scripts should find them. */
const ids = (env: Env) => env.sandbox.publicApi.sources.map((s) => String(s.id));
const writeTools = loadRegistry().tools.filter((t) => t.access !== 'read');

describe('the script API', () => {
  let env: Env;
  beforeAll(async () => {
    env = await appWithSandbox({ write: 'deny' });
  });
  afterAll(() => env.close());

  it('tools.call returns data, tools.all follows cursors, console.log is captured, the return value is the answer', async () => {
    const r = await env.app.workbench.run({
      script: `
        const one = await tools.call('SEGMENT_LIST_SOURCES', { pagination: { count: 1 } });
        const all = await tools.all('SEGMENT_LIST_SOURCES', { pagination: { count: 1 } });
        console.log('sources:', all.length, { first: all[0].id });
        console.warn('careful');
        return { page: one.sources.map((s) => s.id), next: one.next_cursor !== undefined, all: all.map((s) => s.id) };`,
    });
    expect(r.error).toBeUndefined();
    expect(r.successful).toBe(true);
    const n = ids(env).length;
    expect(n).toBeGreaterThan(2);
    expect(r.result).toEqual({ page: ['src_web'], next: true, all: ids(env) });
    expect(r.logs).toEqual([`sources: ${n} {"first":"src_web"}`, 'warn: careful']);
    // 1 + n pages: each page is one call through the executor, counted against the call limit.
    expect(r.tool_calls).toEqual({ total: 1 + n, failed: 0, by_slug: { SEGMENT_LIST_SOURCES: 1 + n } });
    expect(r.calls).toBeUndefined();
  });

  it('calls may run together (Promise.all), and slugs resolve as EXECUTE_TOOL resolves them', async () => {
    const r = await env.app.workbench.run({
      script: `
        const sources = await tools.all('list-sources');
        const lists = await Promise.all(sources.map((s) => tools.call('segment_list_connected_destinations_from_source', { sourceId: s.id })));
        return Object.fromEntries(sources.map((s, i) => [s.id, lists[i].destinations.map((d) => d.id)]));`,
    });
    const st = env.sandbox.publicApi;
    expect(r.result).toEqual(Object.fromEntries(st.sources.map((s) => [s.id, st.destinations.filter((d) => d.sourceId === s.id).map((d) => d.id)])));
    expect(r.tool_calls.by_slug).toEqual({ SEGMENT_LIST_SOURCES: 1, SEGMENT_LIST_CONNECTED_DESTINATIONS_FROM_SOURCE: st.sources.length });
  });

  it('a failed call throws inside the script with the executor\'s kind, message and hint; a caught one does not fail the run', async () => {
    const r = await env.app.workbench.run({
      script: `
        const out = [];
        for (const [slug, args] of [['SEGMENT_GET_SOURCE', { sourceId: 'src_missing' }], ['SEGMENT_GET_SOURCE', {}], ['SEGMENT_LIST_SORCES', {}]]) {
          try { await tools.call(slug, args); } catch (e) { out.push({ name: e.name, kind: e.kind, slug: e.slug, hint: typeof e.hint, message: e.message }); }
        }
        return out;`,
    });
    expect(r.successful).toBe(true);
    const out = r.result as { name: string; kind: string; slug: string; hint: string; message: string }[];
    expect(out.map((e) => [e.name, e.kind, e.slug, e.hint])).toEqual([
      ['ToolError', 'not_found', 'SEGMENT_GET_SOURCE', 'string'],
      ['ToolError', 'validation', 'SEGMENT_GET_SOURCE', 'string'],
      ['ToolError', 'unknown_tool', 'SEGMENT_LIST_SORCES', 'string'],
    ]);
    expect(out[2]!.message).toMatch(/No tool "SEGMENT_LIST_SORCES"/);
    expect(r.tool_calls.failed).toBe(3);
  });

  it('an uncaught failure ends the run with the partial report: every call that ran, with its answer', async () => {
    const r = await env.app.workbench.run({
      script: `const s = await tools.all('SEGMENT_LIST_SOURCES', {});\nconsole.log(s.length);\nawait tools.call('SEGMENT_GET_SOURCE', { sourceId: 'src_missing' });\nreturn 'not reached';`,
    });
    expect(r.successful).toBe(false);
    expect(r.error).toMatchObject({ kind: 'script' });
    expect(r.error!.at).toMatch(/^script\.js:3:\d+$/);
    // Found by the last review (2026-12-07): on the first line the column counted the wrapper's opening (+20).
    const first = await env.app.workbench.run({ script: 'throw new Error("x")' });
    const second = await env.app.workbench.run({ script: '\nthrow new Error("x")' });
    expect(first.error!.at!.split(':')[2]).toBe(second.error!.at!.split(':')[2]);
    // Noticed 2026-12-07: a script that stopped before any call was told its calls were listed in "calls" (none was).
    expect(first.error!.hint).not.toContain('"calls"');
    expect(first.error!.hint).toContain('No tool call had run.');
    expect(r.error!.hint).toContain('"calls"');
    const stopped = await env.app.workbench.run({ script: 'while (true) {}', timeoutMs: 200 });
    expect([stopped.error!.message, stopped.error!.hint].join(' ')).not.toContain('"calls"');
    expect(r.error!.message).toMatch(/ToolError: .*src_missing/);
    expect(r.calls!.map((c) => [c.slug, c.successful])).toEqual([
      ['SEGMENT_LIST_SOURCES', true],
      ['SEGMENT_GET_SOURCE', false],
    ]);
    expect((r.calls![0]!.data as { sources: unknown[] }).sources).toHaveLength(ids(env).length);
    expect(r.logs).toEqual([String(ids(env).length)]);
  });

  it('usage errors say what to fix and run nothing', async () => {
    expect((await env.app.workbench.run({ script: '   ' })).error).toMatchObject({ kind: 'usage' });
    expect((await env.app.workbench.run({ script: 'return 1', timeoutMs: 120_001 })).error!.message).toMatch(/timeout_ms .* 1 to 120000/);
    const syntax = await env.app.workbench.run({ script: 'return (' });
    expect(syntax.error).toMatchObject({ kind: 'script' });
    expect(syntax.error!.message).toMatch(/SyntaxError/);
  });

  // Found by an adversarial review (2026-12-07): an unclosed { was "unexpected token in expression: 'catch'"
  // on a line past the script's end, and one } too many "expecting catch or finally": the hidden wrapper's words.
  it('an unbalanced brace is explained in the script\'s own terms, at a place inside it', async () => {
    const unclosed = await env.app.workbench.run({ script: 'const n = 1;\nfor (const x of [1]) {\n  console.log(x);\nreturn n;' });
    expect(unclosed.error!.message).toMatch(/SyntaxError: the script ends before a block, call or list it opened is closed/);
    expect(unclosed.error!.at).toMatch(/script\.js:4:\d+$/);
    const extra = await env.app.workbench.run({ script: 'const n = 1;\nif (n) { return n; } }\nreturn 0;' });
    expect(extra.error!.message).toMatch(/SyntaxError: a "}" closes more than the script opened/);
    expect(extra.error!.at).toMatch(/script\.js:[23]:\d+$/);
    for (const r of [unclosed, extra]) expect(r.error!.message).not.toMatch(/catch|finally/);
    // One } too many as the script's last line (the same review: it read as a block left open).
    const last = await env.app.workbench.run({ script: 'return 1;\n}\n' });
    expect(last.error!.message).toMatch(/SyntaxError: a "}" closes more than the script opened/);
    // The script's own try without catch keeps the engine's words.
    const own = await env.app.workbench.run({ script: 'try { return 1; }\nreturn 2;' });
    expect(own.error!.message).toMatch(/catch or finally/);
  });

  // Found by an adversarial review (2026-12-07): arguments whose toJSON gave no JSON reached the host as
  // the text "undefined", whose parse threw outside any catch: the whole server (or CLI) died.
  it('arguments that do not serialise to JSON are a TypeError in the script, and the run goes on', async () => {
    const r = await env.app.workbench.run({
      script: `
        const out = [];
        for (const bad of [{ toJSON() { return undefined; } }, { toJSON() { return Symbol('s'); } }, { toJSON() { return () => 1; } }]) {
          try { await tools.call('SEGMENT_LIST_SOURCES', bad); out.push('sent'); } catch (e) { out.push(e.name + ': ' + e.message); }
          try { await tools.all('SEGMENT_LIST_SOURCES', bad); out.push('sent'); } catch (e) { out.push(e.name + ': ' + e.message); }
        }
        const after = await tools.call('SEGMENT_LIST_SOURCES', { pagination: { count: 1 } });
        return { out, after: after.sources.length };`,
    });
    expect(r.successful).toBe(true);
    expect(r.result.after).toBe(1);
    expect(r.result.out).toHaveLength(6);
    for (const line of r.result.out) expect(line).toMatch(/^TypeError: tools\.(call|all)\(SEGMENT_LIST_SOURCES, args\): args must serialise to a JSON object/);
  });

  // Found by the same review: a tool answer over the script's share was cut to fit and handed over as if
  // whole: tools.all stopped at the cut page and returned part of the list as all of it.
  it('a read answer cut to fit is an error in the script, never part of a list handed over as the whole', async () => {
    const source = env.sandbox.publicApi.sources[0]!;
    const name = source.name;
    source.name = 'n'.repeat(9 * 1024 * 1024);
    try {
      const r = await env.app.workbench.run({
        script: `
          try { await tools.call('SEGMENT_GET_SOURCE', { sourceId: '${source.id}' }); return 'handed over'; }
          catch (e) { return { name: e.name, kind: e.kind, message: e.message, hint: e.hint, cut: e.details && e.details.truncated && e.details.truncated.cut.length }; }`,
      });
      expect(r.result).toMatchObject({ name: 'ToolError', kind: 'answer_too_large', cut: 1 });
      expect(r.result.message).toMatch(/SEGMENT_GET_SOURCE's answer came to more than 8 MB/);
    } finally {
      source.name = name;
    }
  });

  // Found by the same review: an API handing back the same next_cursor was followed to the 500-call limit.
  it('tools.all stops at a cursor it was given before, saying so', async () => {
    const page = { data: { sources: [{ id: 'src_loop', name: 'Loop', labels: [] }], pagination: { current: 'MA', next: 'MQ', totalEntries: 99 } } };
    env.sandbox.faults.add({ path: '/sources', status: 200, body: page, times: 10 });
    try {
      const r = await env.app.workbench.run({ script: "try { await tools.all('SEGMENT_LIST_SOURCES', {}); return 'ended'; } catch (e) { return e.message; }" });
      expect(r.result).toMatch(/the answer gave a next_cursor it gave before \(MQ\).*2 items were read/);
      expect(r.tool_calls.total).toBe(2);
      // With all_pages passed along, the router's paging finds the loop: its incomplete list is no whole (the review of the mends).
      env.sandbox.faults.add({ path: '/sources', status: 200, body: page, times: 10 });
      const all = await env.app.workbench.run({ script: "try { const l = await tools.all('SEGMENT_LIST_SOURCES', { all_pages: true }); return l.length; } catch (e) { return e.message; }" });
      expect(all.result).toMatch(/the list came back incomplete: Stopped after \d+ pages/);
    } finally {
      env.sandbox.faults.clear();
    }
  });

  // Found by the same review: an error message of any size went into the answer whole (36 MB of it).
  it("a thrown error's message is cut to a readable size", async () => {
    const r = await env.app.workbench.run({ script: "throw new Error('E'.repeat(5000000))" });
    expect(r.error!.message.length).toBeLessThan(5_000);
    expect(r.error!.message).toMatch(/characters cut/);
  });

  // Found by the same review: a thrown BigInt was "internal" (the host could not write it as JSON) and
  // took the engine's thread down; source nested past the parser's depth overflowed the host's stack.
  it('a thrown BigInt is the script\'s error, and source nested too deep is the stack limit, before or after an await', async () => {
    for (const wait of ['', "await tools.call('SEGMENT_LIST_SOURCES', {});\n"]) {
      const big = await env.app.workbench.run({ script: `${wait}throw 12345678901234567890n;` });
      expect(big.error).toMatchObject({ kind: 'script' });
      expect(big.error!.message).toMatch(/12345678901234567890/);
      const deep = await env.app.workbench.run({ script: `${wait}return Function('return ' + '('.repeat(100000) + '1' + ')'.repeat(100000))();` });
      expect(deep.error).toMatchObject({ kind: 'limit', limit: 'stack_depth' });
    }
    expect((await env.app.workbench.run({ script: 'return 1 + 1' })).result).toBe(2);
  });

  it('console.log of what JSON cannot write (a cycle, deep nesting, a BigInt) logs a bounded sketch and the script goes on', async () => {
    const r = await env.app.workbench.run({
      script: `
        const ring = [1]; ring.push(ring);
        const o = { name: 'n' }; o.self = o;
        let deep = {}; let at = deep; for (let i = 0; i < 100000; i++) { at.a = {}; at = at.a; }
        const wide = {}; for (let i = 0; i < 100000; i++) wide['k' + i] = { v: i, n: 10n };
        console.log(ring); console.log('o:', o); console.log(deep); console.log(10n, [2n]); console.log(wide);
        return 'went on';`,
    });
    expect(r.error).toBeUndefined();
    expect(r.result).toBe('went on');
    const [ring, self, deep, big, wide] = r.logs!;
    expect(ring).toBe('[1,[circular]]');
    expect(self).toBe('o: {"name":"n","self":[circular]}');
    expect(deep!.startsWith('{"a":{"a":')).toBe(true);
    expect(deep).toContain('{…}');
    expect(deep!.length).toBeLessThan(200);
    expect(big).toBe('10n [2n]');
    // Bounded however wide: a sketch, not 100,000 members.
    expect(wide!.length).toBeLessThan(5_000);
    expect(wide).toMatch(/^\{"k0":\{"v":0,"n":10n\},/);
    expect(wide).toMatch(/…\}$/);
    // As JSON would show what it can: undefined and functions left out of objects, null in arrays; a
    // member that cannot be read marked alone.
    const odd = await env.app.workbench.run({ script: `const a = [1, , () => 1, undefined]; console.log({ n: 1n, u: undefined, f() {}, a, get bad() { throw new Error('no'); }, c: 2 }); return 1;` });
    expect(odd.logs).toEqual(['{"n":1n,"a":[1,null,null,null],"bad":[unreadable],"c":2}']);
    // A toJSON that answers a new object with a toJSON of its own, for ever: cut at the depth like nesting.
    const endless = await env.app.workbench.run({ script: `let n = 0; const make = () => ({ n: n++, toJSON() { return make(); } }); console.log({ x: 1n, y: make() }); return n;` });
    expect(endless.logs).toEqual(['{"x":1n,"y":{…}}']);
    expect(endless.result).toBeLessThan(20);
  });

  it('a return value that is not JSON is a clear error', async () => {
    const r = await env.app.workbench.run({ script: 'const a = {}; a.self = a; return a;' });
    expect(r.error!.message).toMatch(/return value is not JSON/);
    expect((await env.app.workbench.run({ script: 'console.log(1)' })).result).toBeNull();
  });
});

describe('--write=deny: every write tool, called from inside a script', () => {
  it('each throws a policy error in the script, nothing reaches the sandbox, each refusal is audited', async () => {
    const env = await appWithSandbox({ write: 'deny' });
    try {
      const calls = writeTools.map((t) => [t.slug, validArgs(t)!]);
      expect(calls.every(([, a]) => a !== undefined)).toBe(true);
      const r = await env.app.workbench.run({
        script: `
          const calls = ${JSON.stringify(calls)};
          const refused = [];
          for (const [slug, args] of calls) {
            try { await tools.call(slug, args); refused.push(slug + ': NOT REFUSED'); }
            catch (e) { refused.push(e.kind === 'policy' && /Nothing was sent/.test(e.message) ? slug : slug + ': ' + e.kind + ' ' + e.message); }
          }
          return refused;`,
        timeoutMs: 120_000,
      });
      expect(r.error).toBeUndefined();
      expect(r.result).toEqual(writeTools.map((t) => t.slug));
      expect(writesSeen(env.sandbox)).toEqual([]);
      const audit = readFileSync(env.app.audit.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { slug: string; decision: string; outcome: string });
      for (const t of writeTools) expect(audit.some((l) => l.slug === t.slug && l.decision === 'deny' && l.outcome === 'refused'), t.slug).toBe(true);
      // dry_run under deny: the plan is shown, each write saying the policy would refuse it.
      const dry = await env.app.workbench.run({ script: `await tools.call('SEGMENT_UPDATE_SOURCE', { sourceId: 'src_web', name: 'x' });`, dryRun: true });
      expect(dry.successful).toBe(true);
      expect(dry.planned_writes).toHaveLength(1);
      expect(dry.planned_writes![0]!.policy).toMatch(/^would be refused: .*"deny"/);
      expect(writesSeen(env.sandbox)).toEqual([]);
    } finally {
      await env.close();
    }
  }, 180_000);
});

const LABEL_SCRIPT = `
  const sources = await tools.all('SEGMENT_LIST_SOURCES', {});
  const unlabelled = sources.filter((s) => !s.labels.some((l) => l.key === 'owner'));
  for (const s of unlabelled) {
    await tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: s.id, labels: [{ key: 'owner', value: 'growth' }] });
  }
  return unlabelled.map((s) => s.id);`;

const labelWrites = (env: Env) => env.sandbox.requests.filter((q) => q.method !== 'GET');

describe('dry_run', () => {
  it('reads run for real; each write is listed with its exact request (token masked) and nothing is sent', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    try {
      const r = await env.app.workbench.run({ script: LABEL_SCRIPT, dryRun: true });
      expect(r.successful).toBe(true);
      expect(r.dry_run).toBe(true);
      expect(r.result).toEqual(ids(env));
      expect(r.planned_writes!.map((w) => [w.slug, (w.arguments as { sourceId: string }).sourceId])).toEqual(ids(env).map((id) => ['SEGMENT_ADD_LABELS_TO_SOURCE', id]));
      const req = r.planned_writes![0]!.requests[0]!;
      expect(req.method).toBe('POST');
      expect(req.url).toMatch(/\/sources\/src_web\/labels$/);
      expect(req.headers.Authorization).toMatch(/^Bearer <token \*\*\*\*/);
      expect((req.body as { labels: unknown[] }).labels.at(-1)).toEqual({ key: 'owner', value: 'growth' });
      expect(r.planned_writes![0]!.policy).toBe('would run');
      expectNoSecrets(JSON.stringify(r));
      expect(labelWrites(env)).toEqual([]);
      expect(env.sandbox.requests.filter((q) => q.path === '/sources').length).toBeGreaterThan(0);
    } finally {
      await env.close();
    }
  });
});

describe('--write=allow', () => {
  it('writes are sent through the executor, listed in the answer and audited', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    try {
      const r = await env.app.workbench.run({ script: LABEL_SCRIPT });
      expect(r.successful).toBe(true);
      const n = ids(env).length;
      expect(r.writes!.map((w) => [w.slug, w.successful])).toEqual(Array(n).fill(['SEGMENT_ADD_LABELS_TO_SOURCE', true]));
      expect(labelWrites(env)).toHaveLength(n);
      const again = await env.app.workbench.run({ script: LABEL_SCRIPT });
      expect(again.result).toEqual([]);
      const audit = readFileSync(env.app.audit.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { decision: string; outcome: string });
      expect(audit.filter((l) => l.decision === 'allow' && l.outcome === 'sent')).toHaveLength(n);
    } finally {
      await env.close();
    }
  });
});

// Found by an adversarial review (2026-12-07): a write the script did not await, still running after the
// 5 s wait for such calls, was missing from the answer (successful, no writes) and reached Segment later.
describe('a write the script did not await', () => {
  it('is listed as still running when the answer is written, and counted', async () => {
    // Segment answers after 8 s: past the 5 s the workbench waits for such calls, within the request timeout.
    const env = await appWithSandbox({ write: 'allow', envExtra: { SEGMENT_ROUTER_TIMEOUT_MS: '20000' } });
    try {
      env.sandbox.faults.add({ path: '/sources/src_web/labels', delayMs: 8_000 });
      const r = await env.app.workbench.run({ script: `tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: 'src_web', labels: [{ key: 'owner', value: 'growth' }] }); return 'started';` });
      expect(r.successful).toBe(true);
      expect(r.tool_calls.total).toBe(1);
      expect(r.writes).toEqual([expect.objectContaining({ slug: 'SEGMENT_ADD_LABELS_TO_SOURCE', successful: false, error: expect.objectContaining({ kind: 'still_running' }) })]);
    } finally {
      await env.close();
    }
  }, 30_000);
});

describe('--write=ask: one confirmation listing every planned write', () => {
  it('asks once with the whole plan, then runs for real without asking again', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    const asked: CallSummary[] = [];
    try {
      const r = await env.app.workbench.run({ script: LABEL_SCRIPT }, { confirm: async (c) => (asked.push(c), { confirmed: true }) });
      expect(r.error).toBeUndefined();
      expect(asked).toHaveLength(1);
      const n = ids(env).length;
      expect(asked[0]!.summary).toContain(`${n} write(s)`);
      for (const id of ids(env)) expect(asked[0]!.summary).toContain(`/sources/${id}/labels`);
      expect(asked[0]!.summary).not.toContain(TOKEN);
      expect(r.confirmation).toEqual({ writes: n, confirmed: true });
      expect(labelWrites(env)).toHaveLength(n);
      const audit = readFileSync(env.app.audit.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { decision: string; outcome: string });
      expect(audit.filter((l) => l.decision === 'ask-confirmed' && l.outcome === 'sent')).toHaveLength(n);
    } finally {
      await env.close();
    }
  });

  // Found by an adversarial review (2026-12-07): a script reading what its write returned failed in the
  // planning run (a dry run's answer has no new ids) and read as an ordinary failure, its write listed "ok".
  it('a script that fails in its planning run says so: nothing was written, nobody was asked, and why', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    let asked = 0;
    try {
      const r = await env.app.workbench.run(
        { script: "const made = await tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: 'src_web', labels: [{ key: 'owner', value: 'growth' }] });\nreturn made.source.id;" },
        { confirm: async () => (asked++, { confirmed: true }) },
      );
      expect(asked).toBe(0);
      expect(r.successful).toBe(false);
      expect(r.error!.message).toMatch(/^The script failed in its planning run, before the user was asked: .*Nothing was written\.$/);
      expect(r.error!.hint).toMatch(/a dry run's answer holds no ids/);
      expect(r.calls![0]).toMatchObject({ slug: 'SEGMENT_ADD_LABELS_TO_SOURCE', dry_run: true });
      expect(labelWrites(env)).toHaveLength(0);
      // Any other failure keeps its own hint: a loop fails the real run too, and needs no --write=allow (the review of the mends).
      const loop = await env.app.workbench.run(
        { script: "await tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: 'src_web', labels: [{ key: 'owner', value: 'growth' }] });\nfor (;;) {}", timeoutMs: 500 },
        { confirm: async () => (asked++, { confirmed: true }) },
      );
      expect(loop.error).toMatchObject({ kind: 'limit', limit: 'wall_time' });
      expect(loop.error!.message).toMatch(/^The script failed in its planning run/);
      expect(loop.error!.hint).not.toMatch(/dry run|--write=allow/);
      expect(asked).toBe(0);
    } finally {
      await env.close();
    }
  });

  // Found by the same review: scripts started while the user read the plan took every engine place, and
  // the confirmed run was answered "busy", nothing written; a cancelled run left its question open.
  // Now the confirmed run waits for a place, within its own time.
  it('a confirmed run finding every place taken waits for one, never answered busy; a cancel withdraws the question', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    try {
      const others: Promise<unknown>[] = [];
      const r = await env.app.workbench.run({ script: LABEL_SCRIPT }, {
        confirm: async () => {
          for (let i = 0; i < 4; i++) others.push(env.app.workbench.run({ script: 'for (;;) {}', timeoutMs: 1_500 }));
          await new Promise((done) => setTimeout(done, 200));
          return { confirmed: true };
        },
      });
      expect(r.error).toBeUndefined();
      expect(labelWrites(env)).toHaveLength(ids(env).length);
      const ends = (await Promise.all(others)) as { error?: { kind: string } }[];
      // The four took every place: none of them was refused for the script the user was reading (a hold did
      // that, and kept others out for as long as a question stayed open: the review of the mends).
      expect(ends.map((e) => e.error?.kind)).toEqual(['limit', 'limit', 'limit', 'limit']);

      const cancel = new AbortController();
      let withdrawn: AbortSignal | undefined;
      const cancelled = env.app.workbench.run({ script: "await tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: 'src_web', labels: [{ key: 'team', value: 'data' }] });" }, {
        signal: cancel.signal,
        confirm: (_c, signal) => {
          withdrawn = signal;
          cancel.abort();
          return new Promise((done) => {
            const no = () => done({ confirmed: false, reason: 'the call was cancelled' });
            if (signal?.aborted) no();
            else signal?.addEventListener('abort', no);
          });
        },
      });
      expect((await cancelled).successful).toBe(false);
      expect(withdrawn?.aborted).toBe(true);
    } finally {
      await env.close();
    }
  });

  // Found by an adversarial review (2026-12-07): the confirmation was cut at 8,000 characters with "and N
  // more writes"; a deletion after 20 long label writes was confirmed unseen, and sent.
  it('a destructive write is always listed, however many writes come before it', async () => {
    const env = await appWithSandbox({ write: 'ask', allowDestructive: true });
    const asked: CallSummary[] = [];
    try {
      const script = `
        for (let i = 0; i < 40; i++) await tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: 'src_web', labels: [{ key: 'k' + i, value: 'v'.repeat(300) }] });
        await tools.call('SEGMENT_DELETE_SOURCE', { sourceId: 'src_server' });
        return 'done';`;
      const r = await env.app.workbench.run({ script }, { confirm: async (c) => (asked.push(c), { confirmed: false, reason: 'the user declined' }) });
      expect(r.successful).toBe(false);
      expect(asked).toHaveLength(1);
      expect(asked[0]!.access).toBe('destructive');
      expect(asked[0]!.summary).toContain('41 write(s)');
      expect(asked[0]!.summary).toMatch(/41\. Delete Source \(SEGMENT_DELETE_SOURCE, DESTRUCTIVE\): DELETE \/sources\/src_server/);
      expect(asked[0]!.summary).toMatch(/and \d+ more write\(s\) of the same script, none of them destructive/);
    } finally {
      await env.close();
    }
  });

  // Found by the review of the mends (2026-12-07): a script that filled its records to the brim first had
  // its deletion confirmed as "its 351 bytes of arguments were not kept": the question did not say what it deletes.
  it('names what each write does even when the script\'s records are full', async () => {
    const env = await appWithSandbox({ write: 'ask', allowDestructive: true });
    const asked: CallSummary[] = [];
    try {
      // Refused reads of ever smaller junk fill the records to within a few bytes of their limit.
      const script = `
        for (let i = 0; i < 3; i++) await tools.call('SEGMENT_LIST_SOURCES', { junk: 'x'.repeat(4_500_000) }).catch(() => {});
        for (let n = 2_000_000; n >= 1; n = Math.floor(n / 2)) await tools.call('SEGMENT_LIST_SOURCES', { junk: 'x'.repeat(n) }).catch(() => {});
        await tools.call('SEGMENT_DELETE_SOURCE', { sourceId: 'src_server' });
        return 'done';`;
      await env.app.workbench.run({ script, timeoutMs: 60_000 }, { confirm: async (c) => (asked.push(c), { confirmed: false, reason: 'the user declined' }) });
      expect(asked).toHaveLength(1);
      expect(asked[0]!.summary).toMatch(/1\. Delete Source \(SEGMENT_DELETE_SOURCE, DESTRUCTIVE\): DELETE \/sources\/src_server/);
    } finally {
      await env.close();
    }
  }, 60_000);

  it('declined: nothing is written, and the answer lists the plan', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    try {
      const r = await env.app.workbench.run({ script: LABEL_SCRIPT }, { confirm: async () => ({ confirmed: false, reason: 'the user declined' }) });
      expect(r.successful).toBe(false);
      expect(r.error).toMatchObject({ kind: 'policy' });
      expect(r.error!.message).toMatch(/\d write\(s\) need the user's confirmation .* the user declined/);
      expect(r.planned_writes).toHaveLength(ids(env).length);
      expect(labelWrites(env)).toEqual([]);
      // A client that cannot ask: the same, with the way out.
      const cannot = await env.app.workbench.run({ script: LABEL_SCRIPT });
      expect(cannot.error!.hint).toMatch(/elicitation|--write=allow/);
      expect(labelWrites(env)).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('writes that could not go for want of a write key are not put to the user: the answer says to connect, nothing is asked or sent', async () => {
    const env = await appWithSandbox({ write: 'ask', envExtra: { SEGMENT_WRITE_KEY: '' } });
    let asked = 0;
    try {
      const script = `for (const e of ['Signed Up', 'Logged In']) await tools.call('SEGMENT_TRACK', { userId: 'u1', event: e }); return 'done';`;
      const r = await env.app.workbench.run({ script }, { confirm: async () => (asked++, { confirmed: true }) });
      expect(asked).toBe(0);
      expect(r.successful).toBe(false);
      expect(r.error).toMatchObject({ kind: 'not_connected' });
      expect(r.error!.message).toMatch(/^Not asked and not sent: SEGMENT_TRACK needs the Segment write key/);
      expect(r.error!.hint).toBeTruthy();
      expect(r.planned_writes).toHaveLength(2);
      expect(writesSeen(env.sandbox)).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('a write the confirmed plan did not contain is asked about on its own', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    const asked: string[] = [];
    try {
      // The planning run sees dry-run answers; the real run takes another branch and makes a write the user never saw.
      const script = `
        const r = await tools.call('SEGMENT_UPDATE_SOURCE', { sourceId: 'src_web', name: 'Web' });
        if (r.dry_run) return 'planned';
        await tools.call('SEGMENT_UPDATE_SOURCE', { sourceId: 'src_ios', name: 'iOS' });
        return 'done';`;
      const r = await env.app.workbench.run({ script }, { confirm: async (c) => (asked.push(c.slug), { confirmed: c.slug === 'RUN_SCRIPT' }) });
      expect(asked).toEqual(['RUN_SCRIPT', 'SEGMENT_UPDATE_SOURCE']);
      expect(r.successful).toBe(false);
      expect(r.writes!.map((w) => [(w.arguments as { sourceId: string }).sourceId, w.successful])).toEqual([
        ['src_web', true],
        ['src_ios', false],
      ]);
      expect(labelWrites(env).map((q) => q.path)).toEqual(['/sources/src_web']);
    } finally {
      await env.close();
    }
  });

  it('a write the policy refuses (destructive, no --allow-destructive) throws while planning; nothing is asked or sent', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    let asked = 0;
    try {
      const r = await env.app.workbench.run({ script: `await tools.call('SEGMENT_DELETE_SOURCE', { sourceId: 'src_ios' }); return 'deleted';` }, { confirm: async () => (asked++, { confirmed: true }) });
      expect(r.error!.message).toMatch(/Refused: SEGMENT_DELETE_SOURCE is destructive/);
      expect(asked).toBe(0);
      expect(writesSeen(env.sandbox)).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('a read-only script runs once, with no confirmation', async () => {
    const env = await appWithSandbox({ write: 'ask' });
    let asked = 0;
    try {
      const r = await env.app.workbench.run({ script: `return (await tools.all('SEGMENT_LIST_SOURCES', {})).length` }, { confirm: async () => (asked++, { confirmed: true }) });
      expect(r.result).toBe(ids(env).length);
      expect(asked).toBe(0);
      expect(env.sandbox.requests.filter((q) => q.path === '/sources')).toHaveLength(1);
    } finally {
      await env.close();
    }
  });
});

// Found by an adversarial review (2026-12-07): an upstream answer nested 5,000 deep ended the server when
// a script asked for it (JSON.stringify ran out of stack outside any catch); the same answer, or a script's
// value as deep, came back as the bare text "Maximum call stack size exceeded".
describe('values nested thousands of levels deep', () => {
  let env: Env;
  beforeAll(async () => {
    env = await appWithSandbox({ write: 'deny' });
  });
  afterAll(() => env.close());
  const deep = (n: number) => {
    let v: unknown = [];
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };

  it('from Segment: refused as text, a structured error to EXECUTE_TOOL and to a script alike', async () => {
    env.sandbox.faults.add({ path: '/sources', status: 200, body: { data: deep(1_000) }, times: 20 });
    const direct = await env.app.executor.execute({ slug: 'SEGMENT_LIST_SOURCES', arguments: {} });
    expect(direct.error).toMatchObject({ kind: 'upstream', message: expect.stringContaining('nested more than 256 levels deep') });
    const r = await env.app.workbench.run({ script: `try { return await tools.call('SEGMENT_LIST_SOURCES', {}); } catch (e) { return { kind: e.kind, message: e.message }; }` });
    expect(r.result).toMatchObject({ kind: 'upstream', message: expect.stringContaining('nested more than 256 levels deep') });
  });

  it('from a script: its answer, or a call\'s arguments, get errors that say what to do', async () => {
    const back = await env.app.workbench.run({ script: 'let a = []; for (let i = 0; i < 6000; i++) a = [a]; return a;' });
    expect(back).toMatchObject({ successful: false, error: { kind: 'script', message: expect.stringContaining('nests more than 256 levels deep') } });
    const sent = await env.app.workbench.run({ script: "let a = []; for (let i = 0; i < 6000; i++) a = [a]; try { await tools.call('SEGMENT_TRACK', { userId: 'u', event: 'E', properties: { a } }); } catch (e) { return e.kind + ': ' + e.message; }" });
    expect(sent.result).toBe('validation: The arguments nest more than 256 levels deep. Nothing was sent.');
  });
});
