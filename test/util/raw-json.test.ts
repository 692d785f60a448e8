import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_RAW_ELEMENTS, memberCount, rawElementsOf, registerRawList, registerRawLists } from '../../src/util/raw-json.js';

/** A JSON-RPC line holding `list` where a batch call holds it, spelled with `indent` (spaces and newlines inside). */
function line(list: unknown[], indent: number) {
  const bytes = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: list, other: [1, 2] } } } }, null, indent));
  const value = JSON.parse(bytes.toString('utf8')) as { params: { arguments: { arguments: { batch: unknown[] } } } };
  registerRawLists(bytes, value);
  return { bytes, list: value.params.arguments.arguments.batch };
}

describe('a large list is known by the bytes it was parsed from', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const element = fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.oneof(json, fc.constantFrom('"', '\\', '],[', '{"a":"}"}', ':', '😀')), { maxKeys: 5 });

  it('finds each element of a list in the line, whatever the spacing, with its members counted', () => {
    fc.assert(
      fc.property(fc.array(element, { minLength: MIN_RAW_ELEMENTS, maxLength: 40 }), fc.nat({ max: 3 }), (given, indent) => {
        const { bytes, list } = line(given, indent);
        // A schema's copy of the list keeps its elements: it is still known.
        const raw = rawElementsOf([...list])!;
        expect(raw).toBeDefined();
        expect(JSON.parse(bytes.toString('utf8', raw.start, raw.end))).toEqual(list);
        list.forEach((m, i) => {
          expect(JSON.parse(bytes.toString('utf8', raw.starts[i], raw.ends[i]))).toEqual(m);
          expect(raw.members[i]).toBe(memberCount(m));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('does not know a list that is not the one parsed, or a short one', () => {
    const given = Array.from({ length: MIN_RAW_ELEMENTS }, (_, i) => ({ i }));
    const { list } = line(given, 0);
    expect(rawElementsOf(list)).toBeDefined();
    expect(rawElementsOf(list.slice(1))).toBeUndefined();
    expect(rawElementsOf([...list.slice(0, -1), { i: 99 }])).toBeUndefined();
    expect(rawElementsOf(given)).toBeUndefined();
    expect(rawElementsOf(line(given.slice(1), 0).list)).toBeUndefined();
  });

  it('counts one member per key: a key repeated in the bytes shows as a difference', () => {
    const bytes = Buffer.from(`{"batch":[${Array.from({ length: MIN_RAW_ELEMENTS }, (_, i) => (i === 3 ? '{"a":{"x":1},"a":{"y":[{"z":2}]}}' : `{"a":${i}}`)).join(',')}]}`);
    const value = JSON.parse(bytes.toString('utf8')) as { batch: unknown[] };
    registerRawLists(bytes, value);
    const raw = rawElementsOf(value.batch)!;
    expect(raw.members[3]).toBe(5);
    expect(memberCount(value.batch[3])).toBe(3);
    expect(raw.members[4]).toBe(memberCount(value.batch[4]));
  });

  it('takes a list under a repeated key from where JSON.parse took it: the last', () => {
    const a = Array.from({ length: MIN_RAW_ELEMENTS }, (_, i) => `{"a":${i}}`).join(',');
    const b = Array.from({ length: MIN_RAW_ELEMENTS }, (_, i) => `{"b":${i}}`).join(', ');
    const bytes = Buffer.from(`{"batch":[${a}],"batch":[${b}]}`);
    const value = JSON.parse(bytes.toString('utf8')) as { batch: unknown[] };
    registerRawLists(bytes, value);
    const raw = rawElementsOf(value.batch)!;
    expect(bytes.toString('utf8', raw.starts[0], raw.ends[0])).toBe('{"b":0}');
  });

  it('does not know a list whose bytes are not valid UTF-8: the parsed text had U+FFFD where the bytes are broken', () => {
    const good = Array.from({ length: MIN_RAW_ELEMENTS }, (_, i) => `{"a":"${i}"}`).join(',');
    const bytes = Buffer.concat([Buffer.from(`{"batch":[${good},{"a":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]);
    const value = JSON.parse(bytes.toString('utf8')) as { batch: { a: string }[] };
    expect(value.batch.at(-1)!.a).toBe('\uFFFD(');
    registerRawLists(bytes, value);
    expect(rawElementsOf(value.batch)).toBeUndefined();
  });
});

describe('a list built from its elements\' own bytes', () => {
  it('is known by those bytes, each element at its place with its members counted', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), { minLength: 1, maxLength: 30 }), fc.nat({ max: 2 }), (given, indent) => {
        // Elements as a reader parses them from their bytes (-0 is written as 0).
        const list = given.map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>);
        const bytes = Buffer.from(`[${list.map((m) => JSON.stringify(m, null, indent)).join(',')}]`);
        expect(registerRawList(list, bytes)).toBe(true);
        const raw = rawElementsOf([...list])!;
        list.forEach((m, i) => {
          expect(JSON.parse(bytes.toString('utf8', raw.starts[i], raw.ends[i]))).toEqual(m);
          expect(raw.members[i]).toBe(memberCount(m));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('registers nothing when the bytes do not hold as many elements, are not a list, or are not valid UTF-8', () => {
    const list = [{ a: 1 }, { a: 2 }];
    expect(registerRawList(list, Buffer.from('[{"a":1}]'))).toBe(false);
    expect(registerRawList(list, Buffer.from('{"a":1},{"a":2}'))).toBe(false);
    expect(registerRawList(list, Buffer.from('[{"a":1},{"a":2}] '))).toBe(false);
    expect(registerRawList([{ a: '\uFFFD' }], Buffer.from([0x5b, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x5d]))).toBe(false);
    expect(rawElementsOf(list)).toBeUndefined();
  });

  it('registers nothing when an element is not an object from its first byte to its last: a message is sent with members put in before its last byte', () => {
    const list = [{ a: 1 }, { a: 2 }];
    expect(registerRawList(list, Buffer.from('[{"a":1}\f,{"a":2}]'))).toBe(false);
    expect(registerRawList(list, Buffer.from('[{"a":1},{"a":2}\u00a0]'))).toBe(false);
    expect(registerRawList(list, Buffer.from('[{"a":1},\u00a0{"a":2}]'))).toBe(false);
    expect(registerRawList(list, Buffer.from('[{"a":1},[{"a":2}]]'))).toBe(false);
    expect(registerRawList(list, Buffer.from('[{"a":1} ,\n\t{"a":2}\r\n]'))).toBe(true);
  });
});
