import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import type { App } from '../../src/app.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { callTool, sandboxWithRouter } from '../helpers/router.js';
import { appWithSandbox, writesSeen } from '../helpers/inprocess.js';
import { allInvalidBatch, invalidArgs, namesField, type InvalidCase } from '../helpers/invalid-args.js';

/**
 * Property-based fuzzing of EXECUTE_TOOL arguments: thousands of generated invalid inputs for every
 * tracking tool and a sample of Public API tools, each refused with a message naming the field, and
 * not one request reaching the server. Volume runs in process through the Executor (the one path
 * every surface uses); a few hundred more go through the binary over stdio.
 */

const registry = loadRegistry();
const tracking = registry.tools.filter((t) => t.api === 'tracking');
// A fixed, spread-out sample of the Public API tools (every n-th), so the run stays bounded as they land.
const publicAll = registry.tools.filter((t) => t.api === 'public');
// FUZZ_PUBLIC=all fuzzes every one of them (a longer run).
const publicSample = process.env.FUZZ_PUBLIC === 'all' ? publicAll : publicAll.filter((_, i) => i % Math.max(1, Math.floor(publicAll.length / 25)) === 0);

const RUNS_PER_TOOL = 450;
/** Fixed so a failure reproduces; FUZZ_SEED=<n> explores other inputs. */
const SEED = Number(process.env.FUZZ_SEED ?? 8);

let env: { app: App; sandbox: Sandbox; close(): Promise<void> };
beforeAll(async () => {
  env = await appWithSandbox({ write: 'allow', allowDestructive: true });
});
afterAll(() => env.close());

async function expectRefused(slug: string, c: InvalidCase): Promise<void> {
  const res = await env.app.executor.execute({ slug, arguments: c.args });
  const where = `${slug} (${c.mutation}) ${JSON.stringify(c.args).slice(0, 300)} -> ${JSON.stringify(res.error ?? res.data).slice(0, 400)}`;
  expect(res.successful, where).toBe(false);
  expect(res.error?.kind, where).toBe('validation');
  expect(namesField(res.error, c.field), `field "${c.field}" not named: ${where}`).toBe(true);
}

describe('fuzzing EXECUTE_TOOL arguments in process', () => {
  let total = 0;
  for (const tool of tracking) {
    it(`${tool.slug}: ${RUNS_PER_TOOL} invalid inputs, each refused naming the field, zero requests`, async () => {
      await fc.assert(
        fc.asyncProperty(invalidArgs(tool), async (c) => {
          total++;
          await expectRefused(tool.slug, c);
        }),
        { numRuns: RUNS_PER_TOOL, seed: SEED },
      );
      expect(writesSeen(env.sandbox)).toEqual([]);
    });
  }

  for (const slug of ['SEGMENT_BATCH', 'SEGMENT_IMPORT_HISTORICAL_DATA']) {
    it(`${slug}: batches whose every message is invalid are reported message by message, nothing sent`, async () => {
      await fc.assert(
        fc.asyncProperty(allInvalidBatch(), async ({ batch, fields }) => {
          total++;
          const stamped = slug === 'SEGMENT_IMPORT_HISTORICAL_DATA' ? batch.map((m) => ({ timestamp: '2024-01-31T12:00:00Z', ...m })) : batch;
          const res = await env.app.executor.execute({ slug, arguments: { batch: stamped } });
          expect(res.successful).toBe(false);
          expect(res.error?.kind).toBe('validation');
          const data = res.data as { accepted: number; rejected_before_sending: { index: number; reason: string }[] };
          expect(data.accepted).toBe(0);
          expect(data.rejected_before_sending.map((r) => r.index)).toEqual(batch.map((_, i) => i));
          data.rejected_before_sending.forEach((r, i) => expect(r.reason, JSON.stringify(batch[i])).toContain(fields[i]!));
        }),
        { numRuns: 300, seed: SEED },
      );
      expect(writesSeen(env.sandbox)).toEqual([]);
    });
  }

  it.skipIf(publicSample.length === 0)(`a sample of Public API tools (${publicSample.length} of ${publicAll.length}): invalid inputs refused naming the field, zero requests`, async () => {
    for (const tool of publicSample) {
      await fc.assert(fc.asyncProperty(invalidArgs(tool), async (c) => {
        total++;
        await expectRefused(tool.slug, c);
      }), { numRuns: 60, seed: SEED });
    }
    expect(writesSeen(env.sandbox)).toEqual([]);
  });

  it('thousands of refusals in all, and the server still sends a valid call afterwards', async () => {
    expect(total).toBeGreaterThanOrEqual(RUNS_PER_TOOL * tracking.length);
    const ok = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: 'u-after', event: 'Fuzz Survived' } });
    expect(ok.successful).toBe(true);
    expect(writesSeen(env.sandbox).map((r) => r.path)).toEqual(['/v1/track']);
  });
});

describe('fuzzing tool_slug', () => {
  // Long, odd and half-right slugs: separators, case, unicode, lone surrogates, huge repeats.
  const piece = fc.oneof(fc.constantFrom('SEGMENT', 'segment', 'TRACK', 'trak', 'list', 'SOURCES', 'integration__segment__', '_', '-', '__', ' ', '.', '/', '\uD800', '\u{1F600}', '\u0000'), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }));
  const slug = fc.oneof(
    fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
    fc.tuple(piece, fc.integer({ min: 100, max: 200_000 })).map(([p, n]) => (p || 'x').repeat(Math.ceil(n / Math.max(1, p.length)))),
  );

  it('any slug gets a short unknown_tool or validation answer (or a tool), never an internal error, nothing sent', async () => {
    const before = writesSeen(env.sandbox).length;
    await fc.assert(
      fc.asyncProperty(slug, async (s) => {
        const res = await env.app.executor.execute({ slug: s, arguments: {}, dryRun: true });
        const where = `${JSON.stringify(s.slice(0, 80))} (${s.length} chars) -> ${JSON.stringify(res).slice(0, 300)}`;
        if (res.successful) return; // a real slug written another way: dry run only
        expect(['unknown_tool', 'validation'], where).toContain(res.error?.kind);
        expect(JSON.stringify(res.error).length, where).toBeLessThan(2_000);
      }),
      { numRuns: 400, seed: SEED },
    );
    expect(writesSeen(env.sandbox)).toHaveLength(before);
  });
});

describe('fuzzing odd values: deep nesting, odd numbers, broken Unicode', () => {
  // One odd value placed somewhere inside otherwise valid track arguments.
  const odd = fc.oneof(
    fc.constantFrom(Infinity, -Infinity, NaN).map((v) => ({ v, kind: 'number' as const })),
    fc.constantFrom('\uD800', '\uDFFF', 'a\uDBFFb', '\uDC00\uD800').map((v) => ({ v, kind: 'surrogate' as const })),
    fc.integer({ min: 65, max: 5_000 }).map((depth) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { n: v };
      return { v, kind: 'depth' as const };
    }),
  );
  const path = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 });

  it('each is a validation error naming where it is, never internal, nothing sent', async () => {
    const before = writesSeen(env.sandbox).length;
    await fc.assert(
      fc.asyncProperty(odd, path, async ({ v, kind }, keys) => {
        let properties: Record<string, unknown> = {};
        const root = properties;
        for (const k of keys.slice(0, -1)) properties = properties[k] = {} as Record<string, unknown>;
        properties[keys[keys.length - 1]!] = v;
        const res = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Odd', properties: root } });
        const where = `${kind} at ${keys.join('.')} -> ${JSON.stringify(res).slice(0, 300)}`;
        expect(res.error?.kind, where).toBe('validation');
        const field = (res.error?.details as { issues: { field: string }[] }).issues[0]!.field;
        expect(field.startsWith(`properties.${keys.join('.')}`), where).toBe(true);
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(writesSeen(env.sandbox)).toHaveLength(before);
  });
});

describe('fuzzing through the binary over stdio', () => {
  it('a few hundred invalid calls over MCP: each refused (by the router or the MCP schema), zero requests, the server keeps answering', async () => {
    const h = await sandboxWithRouter({ args: ['--write=allow'] });
    try {
      let n = 0;
      for (const tool of [...tracking, ...publicSample.slice(0, 5)]) {
        const cases = fc.sample(invalidArgs(tool), { numRuns: 40, seed: SEED + 5 });
        for (const c of cases) {
          const { structured, result, text } = await callTool(h.router.client, 'EXECUTE_TOOL', { tool_slug: tool.slug, arguments: c.args as Record<string, unknown> });
          n++;
          expect(result.isError, `${tool.slug} ${c.mutation}`).toBe(true);
          if (structured.error) {
            expect(structured.error.kind).toBe('validation');
            expect(namesField(structured.error, c.field), `${tool.slug} ${c.mutation}: ${text.slice(0, 300)}`).toBe(true);
          } else {
            // Not an object or a string: refused by EXECUTE_TOOL's own input schema, naming "arguments".
            expect(text).toMatch(/arguments/);
          }
        }
      }
      expect(n).toBeGreaterThanOrEqual(300);
      expect(writesSeen(h.sandbox)).toEqual([]);
      const ok = await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u-after', event: 'Fuzz Survived' } });
      expect(ok.structured.successful).toBe(true);
      expect(writesSeen(h.sandbox).map((r) => r.path)).toEqual(['/v1/track']);
    } finally {
      await h.close();
    }
  });
});
