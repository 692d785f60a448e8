import { describe, expect, it } from 'vitest';
import { flatLists, fromBytes, numbers, toBytes } from '../../src/util/numbers-json.js';

const value = {
  terms: ['source', 'destination', 'événement'],
  nested: { short: Uint16Array.from([0, 1, 65535]), long: Uint32Array.from([70000, 0, 4294967295, 3]), lists: [[1, 2], [], [{ odd: Uint16Array.from([7]) }]] },
  empty: new Uint16Array(0),
  numbers: 3,
};

describe('numbers-json', () => {
  it('gives back the value saved: JSON as JSON, each list of numbers with its width and every number', () => {
    const back = fromBytes<typeof value>(toBytes(value));
    expect(back).toEqual(value);
    expect(back.nested.short).toBeInstanceOf(Uint16Array);
    expect(back.nested.long).toBeInstanceOf(Uint32Array);
    expect((back.nested.lists[2]![0] as { odd: Uint16Array }).odd).toEqual(Uint16Array.from([7]));
  });

  it('saves a list of numbers alone, and an object under an empty key', () => {
    expect(fromBytes(toBytes(Uint32Array.from([1, 2])))).toEqual(Uint32Array.from([1, 2]));
    expect(fromBytes(toBytes({ '': { '': Uint16Array.from([3]) } }))).toEqual({ '': { '': Uint16Array.from([3]) } });
  });

  it('views the numbers in the bytes read, without copying them', () => {
    const bytes = toBytes(value);
    const back = fromBytes<typeof value>(bytes);
    expect(back.nested.long.buffer).toBe(bytes.buffer);
    // The low byte of its fourth number, changed in the bytes, is changed in the list.
    bytes[back.nested.long.byteOffset - bytes.byteOffset + 12] = 9;
    expect(back.nested.long[3]).toBe(9);
  });

  it('copies them when the bytes do not start 4-aligned, with the same numbers', () => {
    const bytes = toBytes(value);
    const shifted = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
    const back = fromBytes<typeof value>(shifted);
    expect(back).toEqual(value);
    expect(back.nested.long.buffer).not.toBe(shifted.buffer);
  });

  it('keeps numbers 2 bytes wide when they fit, and many short lists as two flat ones', () => {
    expect(numbers([0, 65535])).toBeInstanceOf(Uint16Array);
    expect(numbers([0, 65536])).toBeInstanceOf(Uint32Array);
    const { starts, items } = flatLists([[3], [], [1, 70000]]);
    expect([...starts]).toEqual([0, 1, 1, 3]);
    expect([...items]).toEqual([3, 1, 70000]);
    expect(items).toBeInstanceOf(Uint32Array);
  });
});
