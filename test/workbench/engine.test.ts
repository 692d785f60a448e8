import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { runInEngine } from '../../src/workbench/engine.js';
import type { EngineLimits } from '../../src/workbench/protocol.js';

/** The engine on its own, with small limits, for the cases a 64 MB heap makes slow to reach. */
const limits: EngineLimits = { timeoutMs: 60_000, memoryBytes: 4 * 1024 * 1024, stackBytes: 256 * 1024, maxAnswerBytes: 1_000_000, maxLogChars: 1_000, maxLogLineChars: 100 };
const host = { call: async () => JSON.stringify({ ok: true, data: null }), log: () => {} };

describe('the engine', () => {
  it('running out of memory while raising "out of memory" (a thrown null) is still reported as the memory limit', async () => {
    const qjs = await getQuickJS();
    const out = await runInEngine(qjs, 'const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });', limits, host);
    expect(out).toMatchObject({ ok: false, failure: { limit: 'memory' } });
    // A script's own `throw null` is not mistaken for it.
    const own = await runInEngine(qjs, 'throw null', limits, host);
    expect(own).toMatchObject({ ok: false, failure: { message: 'null' } });
    expect((own as { failure: { limit?: string } }).failure.limit).toBeUndefined();
  });

  it('a script that waits on nothing ends with a clear error instead of hanging', async () => {
    const qjs = await getQuickJS();
    const out = await runInEngine(qjs, 'await new Promise(() => {});', limits, host);
    expect(out).toMatchObject({ ok: false, failure: { message: expect.stringMatching(/waiting for a promise that nothing will settle/) } });
  });
});
