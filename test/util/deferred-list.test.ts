import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deferredOf, parseDeferring } from '../../src/util/deferred-list.js';
import { memberCount } from '../../src/util/raw-json.js';

const events = (n: number, extra: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'Café ☕', properties: { i, price: i / 4 }, ...extra }));
const call = (batch: unknown, more: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch, ...more } } } });
type Call = ReturnType<typeof call> & { params: { arguments: { arguments: { batch: unknown[] } } } };
const batchOf = (v: unknown) => (v as Call).params.arguments.arguments.batch;

describe('a large plain list is parsed when read', () => {
  it('stands for the list: its length without reading it, and the whole list, as JSON.parse reads the line, once read', () => {
    const text = JSON.stringify(call(events(40), { context: { ip: '1.2.3.4' } }), null, 1);
    const value = parseDeferring(Buffer.from(text));
    const list = batchOf(value);
    const lazy = deferredOf(list)!;
    expect(lazy).toBeDefined();
    expect(list.length).toBe(40);
    expect(Array.isArray(list)).toBe(true);
    expect(lazy.materialised).toBe(false);
    // One message at a time, from its bytes: a new object each time, nothing kept.
    expect(lazy.at(7)).toEqual(events(40)[7]);
    expect(lazy.at(7)).not.toBe(lazy.at(7));
    expect(lazy.materialised).toBe(false);
    // Any other read parses the whole list into it: every reader that does not know it sees the array.
    expect(value).toEqual(JSON.parse(text));
    expect(lazy.materialised).toBe(true);
    expect(list.map((m) => (m as { userId: string }).userId).slice(0, 2)).toEqual(['u0', 'u1']);
    expect(JSON.stringify(list)).toBe(JSON.stringify(events(40)));
    expect(z.array(z.object({ userId: z.string() })).safeParse(list).success).toBe(true);
  });

  it('read in order, parses its elements a run at a time, and hands each out once: the same values as JSON.parse, in any order of reading', () => {
    const text = JSON.stringify(call(events(150)), null, 2);
    const want = JSON.parse(text).params.arguments.arguments.batch as unknown[];
    const lazy = deferredOf(batchOf(parseDeferring(Buffer.from(text))))!;
    const parse = vi.spyOn(JSON, 'parse');
    const got = want.map((_, i) => lazy.at(i));
    expect(parse.mock.calls.length).toBeLessThanOrEqual(3); // 64 + 64 + 22
    parse.mockRestore();
    expect(got).toEqual(want);
    // A second read is a new object; reading backwards or skipping about gives the same values.
    expect(lazy.at(5)).not.toBe(got[5]);
    expect(lazy.at(5)).toEqual(want[5]);
    for (const i of [149, 0, 64, 63, 128, 127, 100, 100]) expect(lazy.at(i)).toEqual(want[i]);
    expect(lazy.materialised).toBe(false);
  });

  it('leaves the line to be parsed whole when it has no such list, is not valid UTF-8, or is not JSON', () => {
    expect(parseDeferring(Buffer.from(JSON.stringify(call(events(3)))))).toBeUndefined();
    expect(parseDeferring(Buffer.from(JSON.stringify(call([...events(40), 5]))))).toBeUndefined();
    expect(parseDeferring(Buffer.from(JSON.stringify(call(events(40, { big: 1e300 })))))).toBeUndefined();
    const broken = Buffer.from(JSON.stringify(call(events(40))));
    broken[broken.indexOf('Caf') + 3] = 0xff;
    expect(parseDeferring(broken)).toBeUndefined();
    const text = JSON.stringify(call(events(40)));
    expect(parseDeferring(Buffer.from(text.replace('"u3"', '"u3",')))).toBeUndefined();
    expect(parseDeferring(Buffer.from(text.replace(/}$/, '')))).toBeUndefined();
    expect(parseDeferring(Buffer.from(text.replace('"tools/call"', 'tools/call')))).toBeUndefined();
  });

  it('follows JSON.parse when a key on the way down is repeated: the last one is the value', () => {
    const list = JSON.stringify(events(20));
    const first = `{"jsonrpc":"2.0","id":1,"method":"m","params":{"batch":${list},"batch":"later"}}`;
    const got = parseDeferring(Buffer.from(first)) as { params: { batch: unknown } } | undefined;
    if (got) expect(got.params.batch).toBe('later');
    const last = `{"jsonrpc":"2.0","id":1,"method":"m","params":{"batch":"earlier","batch":${list}}}`;
    const value = parseDeferring(Buffer.from(last)) as { params: { batch: unknown[] } };
    expect(deferredOf(value.params.batch)).toBeDefined();
    expect(value).toEqual(JSON.parse(last));
  });

  it('says whether every message brings its own id and timestamp', () => {
    const own = events(20, { messageId: 'm', timestamp: '2026-01-01T00:00:00Z' });
    expect(deferredOf(batchOf(parseDeferring(Buffer.from(JSON.stringify(call(own))))))!.allIdentified).toBe(true);
    expect(deferredOf(batchOf(parseDeferring(Buffer.from(JSON.stringify(call([...own, events(1)[0]]))))))!.allIdentified).toBe(false);
  });

  it('property: a line changed anywhere (a byte set, put in or taken out, a key repeated) is read as JSON.parse reads it, or left to be parsed whole', () => {
    const text = fc.string({ unit: 'binary', maxLength: 6 }).map((s) => s.replace(/[\uD800-\uDFFF]/g, ''));
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: -99_999, max: 99_999 }).map((n) => n / 100),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'constructor', 'messageId'), tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    const message = fc.dictionary(fc.constantFrom('type', 'userId', 'event', 'properties', 'context', 'messageId', 'timestamp', '__proto__'), value, { maxKeys: 6 });
    const change = fc.oneof(
      fc.tuple(fc.constant(1), fc.nat(), fc.constantFrom(...'{}[]",:\\ 0123456789.-eEtfnulrsabu\t\r'.split(''))),
      fc.tuple(fc.constant(0), fc.nat(), fc.constantFrom(...'{}[]",: \\1ea'.split(''), ',"a":1', '"a":', '],[', '{"a":[{}]}', '"batch":')),
      fc.tuple(fc.constant(-1), fc.nat(), fc.constant('')),
    );
    let deferred = 0;
    fc.assert(
      fc.property(fc.array(message, { minLength: 16, maxLength: 20 }), value, fc.nat({ max: 3 }), fc.array(change, { maxLength: 2 }), fc.option(fc.tuple(fc.constantFrom('params', 'arguments', 'batch'), fc.boolean(), fc.oneof(value, fc.array(message, { minLength: 16, maxLength: 17 })))), (batch, other, indent, changes, twice) => {
        let line = JSON.stringify(call(batch, { other }), null, indent).replace(/\n/g, ' ');
        if (twice) {
          // A key on the way down to the list, repeated before or after its member with another value.
          const [key, before, again] = twice;
          const member = `"${key}":${JSON.stringify(again)}`;
          line = before ? line.replace(`"${key}":`, `${member},"${key}":`) : line.replace(/}\s*}\s*}\s*}\s*$/, (end) => `,${member}${end}`);
        }
        for (const [kind, where, piece] of changes) {
          const at = where % (line.length + 1);
          line = line.slice(0, at) + piece + line.slice(kind === 0 ? at : at + 1);
        }
        let expected: unknown;
        try {
          expected = JSON.parse(line);
        } catch {
          expected = undefined;
        }
        const got = parseDeferring(Buffer.from(line));
        if (got === undefined) return;
        deferred++;
        expect(expected).toBeDefined();
        const list = (got as { params?: { arguments?: { arguments?: { batch?: unknown } } } }).params?.arguments?.arguments?.batch;
        const lazy = deferredOf(list);
        // Message by message from its bytes, as the batch feed reads it; members counted as parsing keeps them, or more (a repeated key).
        if (lazy) {
          (list as unknown[]).forEach((_, i) => {
            const m = lazy.at(i);
            expect(isDeepStrictEqual(m, batchOf(expected)[i])).toBe(true);
            expect(lazy.raw.members[i]).toBeGreaterThanOrEqual(memberCount(m));
          });
        }
        expect(isDeepStrictEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(expected)))).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(deferred).toBeGreaterThan(120);
  });
});
