/**
 * A value saved as bytes: its JSON with each list of whole numbers (a Uint16Array or Uint32Array) left
 * out, then those numbers as little-endian bytes, each list 4-aligned. Loading parses only the JSON and
 * views the numbers where they lie, never copying them: nothing to decode, little for the GC to trace.
 * (The search index: 600 KB, of which the JSON is its terms and short lists.)
 */
export type Numbers = Uint16Array | Uint32Array;

/** Where a list of numbers goes in the value (its keys from the top, '' first), its width in bytes, where its bytes start and how many. */
type Place = [path: string[], width: number, at: number, length: number];

/** Many short lists of whole numbers as two flat ones (list i: items from starts[i] up to starts[i + 1]): no object per list. */
export interface Lists {
  starts: Numbers;
  items: Numbers;
}

/** Whole numbers, 2 bytes each when they fit. */
export const numbers = (xs: readonly number[]): Numbers => (xs.every((x) => x < 0x10000) ? Uint16Array.from(xs) : Uint32Array.from(xs));

export function flatLists(lists: readonly (readonly number[])[]): Lists {
  const starts = [0];
  for (const l of lists) starts.push(starts.at(-1)! + l.length);
  return { starts: numbers(starts), items: numbers(lists.flat()) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function toBytes(value: unknown): Buffer {
  const places: Place[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  // Each object's keys from the top, learnt as the JSON is written (top down).
  const paths = new Map<unknown, string[]>();
  const json = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const path = [...(paths.get(this) ?? []), key];
    if (!(v instanceof Uint16Array || v instanceof Uint32Array)) {
      if (typeof v === 'object' && v !== null) paths.set(v, path);
      return v;
    }
    const part = Buffer.alloc(Math.ceil(v.byteLength / 4) * 4);
    v.forEach((x, i) => (v.BYTES_PER_ELEMENT === 2 ? part.writeUInt16LE(x, 2 * i) : part.writeUInt32LE(x, 4 * i)));
    places.push([path, v.BYTES_PER_ELEMENT, at, v.length]);
    parts.push(part);
    at += part.length;
    return null;
  });
  const head = Buffer.from(`{"places":${JSON.stringify(places)},"value":${json}}`);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(head.length);
  return Buffer.concat([size, head, Buffer.alloc((4 - (head.length % 4)) % 4), ...parts]);
}

/** What toBytes saved; its lists of numbers are views on `bytes` (copies when unaligned, or on a big-endian machine). */
export function fromBytes<T>(bytes: Buffer): T {
  const size = bytes.readUInt32LE(0);
  const base = 4 + Math.ceil(size / 4) * 4;
  const { places, value } = JSON.parse(bytes.toString('utf8', 4, 4 + size)) as { places: Place[]; value: unknown };
  const top: Record<string, unknown> = { '': value };
  for (const [path, width, at, length] of places) {
    const start = bytes.byteOffset + base + at;
    let list: Numbers;
    if (LITTLE_ENDIAN && start % 4 === 0) list = width === 2 ? new Uint16Array(bytes.buffer, start, length) : new Uint32Array(bytes.buffer, start, length);
    else {
      list = width === 2 ? new Uint16Array(length) : new Uint32Array(length);
      for (let i = 0; i < length; i++) list[i] = width === 2 ? bytes.readUInt16LE(base + at + 2 * i) : bytes.readUInt32LE(base + at + 4 * i);
    }
    const holder = path.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, top);
    holder[path.at(-1)!] = list;
  }
  return top[''] as T;
}
