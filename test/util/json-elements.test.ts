import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NESTING, plainObject, plainObjects, type PlainObject } from '../../src/util/json-elements.js';
import { memberCount } from '../../src/util/raw-json.js';

const read = (text: string) => plainObjects(Buffer.from(text), 0);

/** Values as events carry them: strings of any characters, integers, short decimals, booleans, null, nesting. */
const plainValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 8 }).map((s) => s.replace(/[\uD800-\uDFFF]/g, '')),
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.integer({ min: -99_999, max: 99_999 }).map((n) => n / 100),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const event = fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }).map((s) => s.replace(/[\uD800-\uDFFF]/g, '')), plainValue, { maxKeys: 5 });

describe('a list of plain objects is read from its bytes', () => {
  it('finds every element, whatever the spacing, with its members counted', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 30 }), fc.nat({ max: 3 }), (list, indent) => {
        const text = JSON.stringify(list, null, indent);
        const got = read(text)!;
        expect(got).toBeDefined();
        const bytes = Buffer.from(text);
        expect(got.end).toBe(bytes.length);
        list.forEach((m, i) => {
          expect(JSON.parse(bytes.toString('utf8', got.starts[i], got.ends[i]))).toEqual(m);
          expect(got.members[i]).toBe(memberCount(m));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('says whether the list has whitespace outside its strings (the journal hashes unspaced bytes whole)', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 10 }), fc.nat({ max: 2 }), fc.nat({ max: 3 }), fc.constantFrom(' ', '\n', '\r', '\t'), (list, indent, where, space) => {
        const text = JSON.stringify(list, null, indent);
        // Whitespace put in where JSON allows it: after the `[`, before the `]`, between elements; or none.
        const changed = [text, `[${space}${text.slice(1)}`, `${text.slice(0, -1)}${space}]`, `[${list.map((m) => JSON.stringify(m, null, indent)).join(`,${space}`)}]`][where]!;
        const got = read(changed)!;
        expect(got).toBeDefined();
        // Valid JSON read left to right: each match starts at a string's opening quote.
        const outsideStrings = changed.replace(/"(?:[^"\\]|\\.)*"/g, '');
        expect(got.spaced).toBe(/[ \n\r\t]/.test(outsideStrings));
      }),
      { numRuns: 500 },
    );
    // Spaces inside strings are the values' own.
    expect(read('[{"event":"Order Completed","properties":{"note":"a b\\" c","n":[1, 2]}}]')!.spaced).toBe(true);
    expect(read('[{"event":"Order Completed","properties":{"note":"a b\\" c","n":[1,2]}}]')!.spaced).toBe(false);
    expect(read('[{"event" :"x"}]')!.spaced).toBe(true);
    expect(read('[{"event": "x"}]')!.spaced).toBe(true);
  });

  it('never takes bytes JSON.parse refuses, nor reads them otherwise than JSON.parse (one byte changed anywhere)', () => {
    const bytes = fc.constantFrom(...'{}[]",:\\ 0123456789.-eEtfnulrsabu\u0001\n'.split(''));
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 6 }), fc.nat(), bytes, (list, at, b) => {
        const text = JSON.stringify(list);
        const i = 1 + (at % (text.length - 1)); // the list's [ stays: the reader is called at one
        const changed = text.slice(0, i) + b + text.slice(i + 1);
        const got = read(changed);
        if (!got) return;
        const raw = Buffer.from(changed);
        const parsed = JSON.parse(raw.toString('utf8', 0, got.end)) as unknown[];
        expect(parsed.length).toBe(got.starts.length);
        parsed.forEach((m, k) => expect(JSON.parse(raw.toString('utf8', got.starts[k], got.ends[k]))).toEqual(m));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves to the full check what the value check looks at, and elements that are not objects', () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
    expect(read(JSON.stringify([{ a: deep(MAX_NESTING - 1) }]))).toBeDefined();
    expect(read(JSON.stringify([{ a: deep(MAX_NESTING) }]))).toBeUndefined();
    for (const v of ['1e3', '1E-400', '9007199254740993', '0.0000000000000001', '"\\ud83d\\ude00"', '"\\uDC00"']) {
      expect(read(`[{"a":1},{"v":${v}}]`), v).toBeUndefined();
    }
    expect(read('[{"v":"\\u00e9 \\n \\" \\/"},{"v":123456789012345}]')).toBeDefined();
    expect(read('[{"a":1},2]')).toBeUndefined();
    expect(read('[]')).toBeUndefined();
  });

  it('refuses what JSON.parse refuses', () => {
    for (const bad of ['[{"a":1},]', '[{"a":01}]', '[{"a":1.}]', '[{"a":-}]', '[{"a":tru}]', '[{"a" 1}]', '[{"a":1,}]', '[{a:1}]', '[{"a":"\u0001"}]', '[{"a":"\\x"}]', '[{"a":[1,]}]', '[{"a":1}', '[{"a":1}}]']) {
      expect(() => JSON.parse(bad)).toThrow();
      expect(read(bad), bad).toBeUndefined();
    }
  });

  it('says whether every element brings its own messageId and timestamp, as strings, once each', () => {
    const ok = '{"messageId":"m","timestamp":"t","x":{"messageId":1}}';
    expect(read(`[${ok},${ok}]`)!.allIdentified).toBe(true);
    expect(read(`[${ok},{"messageId":"m"}]`)!.allIdentified).toBe(false);
    expect(read(`[${ok},{"messageId":"m","timestamp":5}]`)!.allIdentified).toBe(false);
    // A repeated key: JSON.parse keeps the last one, which is not a string.
    expect(read(`[${ok},{"messageId":"m","timestamp":"t","messageId":null}]`)!.allIdentified).toBe(false);
    // Another spelling of the same key.
    expect(read(`[${ok},{"messageId":"m","timestamp":"t","message\\u0049d":null}]`)!.allIdentified).toBe(false);
  });
});

describe('one record read from its bytes as a list element is', () => {
  const seen = (): PlainObject => ({ members: 0, types: 0, ids: 0, stamps: 0, escapedKey: false, untypedKey: false });

  it('read to its end, with its members and its top keys type, messageId and timestamp counted as written', () => {
    fc.assert(
      fc.property(event, fc.boolean(), fc.boolean(), fc.boolean(), fc.nat({ max: 2 }), (m, type, id, stamp, indent) => {
        const message = { ...m, ...(type ? { type: 'track' } : {}), ...(id ? { messageId: 'm1' } : {}), ...(stamp ? { timestamp: 't' } : {}), nested: { type: 1, messageId: 2 } };
        const bytes = Buffer.from(JSON.stringify(message, null, indent));
        const out = seen();
        expect(plainObject(bytes, 0, out)).toBe(bytes.length);
        expect(out).toEqual({ members: memberCount(message), types: type ? 1 : 0, ids: id ? 1 : 0, stamps: stamp ? 1 : 0, escapedKey: Object.keys(m).some((k) => JSON.stringify(k).includes('\\')), untypedKey: false });
      }),
      { numRuns: 300 },
    );
  });

  it('not plain when the list element would not be; a key spelt with an escape and a repeated key are told', () => {
    const read1 = (text: string) => {
      const out = seen();
      return { end: plainObject(Buffer.from(text), 0, out), ...out };
    };
    for (const bad of ['{"a":1e3}', '{"a":9007199254740993}', '{"a":"\\ud800"}', '[1]', '"s"', '{"a":1', '{"a":1,}']) expect(read1(bad).end, bad).toBe(-1);
    expect(read1('{"\\u0074ype":"track"}')).toMatchObject({ end: 21, types: 0, escapedKey: true });
    expect(read1('{"type":"a","type":"b","timestamp":5}')).toMatchObject({ types: 2, stamps: 1, untypedKey: true, members: 3 });
    expect(read1('{"type":"a"} trailing')).toMatchObject({ end: 12 });
  });
});
