import { isUtf8 } from 'node:buffer';
import { isSpace, JsonByte } from './json-bytes.js';

/**
 * The bytes a large list was parsed from, kept beside the parsed list. A batch of 25,000 messages
 * arrives as one line of JSON the client already serialised; the router used to serialise the parsed
 * messages again to measure them and to build request bodies. A list registered here can be sent from
 * the bytes it came in, after its parsed values were checked.
 *
 * What makes the bytes and the values interchangeable: the values are JSON.parse's reading of exactly
 * these bytes, and nothing in the router changes a parsed value. The bytes may differ in spelling
 * (spaces, escapes, `1.0` for `1`), which every JSON reader reads the same. They differ in meaning in one
 * case: an object with the same key twice, which JSON.parse reads as the last one and other readers may
 * read as the first. `members` lets a user of the bytes see that case (see `memberCount`).
 */

/** Where each element of a parsed list lies in the bytes it was parsed from. */
export interface RawElements {
  bytes: Buffer;
  /** Element `i` is `bytes[starts[i], ends[i])`, without the spaces around it. */
  starts: Int32Array;
  ends: Int32Array;
  /** The object members (key: value pairs, at any depth) in each element's bytes. */
  members: Int32Array;
  /** The bytes of the whole list, `[` to `]`. */
  start: number;
  end: number;
  /** False when those bytes have no whitespace outside strings; unknown when absent. */
  spaced?: boolean;
}

/** Lists shorter than this are cheaper to serialise again than to scan for. */
export const MIN_RAW_ELEMENTS = 16;
/** Lists are looked for only this deep in objects (`params.arguments.arguments.batch` is 4). */
const MAX_PATH = 8;

/** Keyed by a list's first element; the entry holds the whole list to tell it is the same one. */
const registry = new WeakMap<object, { list: readonly unknown[]; raw: RawElements }>();

/**
 * The bytes `list` was parsed from, when it was registered and is still made of exactly the same
 * elements (a schema's copy of a list keeps its elements); undefined otherwise.
 */
export function rawElementsOf(list: readonly unknown[]): RawElements | undefined {
  const first = list[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const entry = registry.get(first);
  if (!entry || entry.list.length !== list.length) return undefined;
  for (let i = 0; i < list.length; i++) if (entry.list[i] !== list[i]) return undefined;
  return entry.raw;
}

/**
 * Registers the large lists of `value`, the result of JSON.parse over `bytes`: every list of at least
 * MIN_RAW_ELEMENTS objects reached from the top through objects alone (not inside another list).
 * Bytes that do not scan as expected register nothing: the lists are then serialised as before. So do
 * bytes that are not valid UTF-8: decoding put U+FFFD where they are broken, so what was parsed and
 * checked is not what they say.
 */
export function registerRawLists(bytes: Buffer, value: unknown): void {
  if (!isUtf8(bytes)) return;
  let found: Found[];
  try {
    found = scanLists(bytes);
  } catch {
    return;
  }
  for (const f of found) {
    let at: unknown = value;
    for (const key of f.path) at = at !== null && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(at) || at.length !== f.starts.length || at.length < MIN_RAW_ELEMENTS) continue;
    const first = at[0] as unknown;
    if (typeof first !== 'object' || first === null) continue;
    registry.set(first, { list: at, raw: { bytes, starts: Int32Array.from(f.starts), ends: Int32Array.from(f.ends), members: Int32Array.from(f.members), start: f.start, end: f.end } });
  }
}

/**
 * Registers `list` as read from `bytes`: `[e0,e1,...]`, each element the JSON of the list's element at
 * the same place (a reader that keeps each record's bytes builds such a list instead of serialising
 * the records again). Answers false, registering nothing, when the bytes are not valid UTF-8 or do not
 * scan as a list of exactly that many elements, each an object from its first byte to its last; the
 * list is then serialised as any other.
 */
export function registerRawList(list: readonly unknown[], bytes: Buffer): boolean {
  const first = list[0];
  if (typeof first !== 'object' || first === null || bytes[0] !== JsonByte.OPEN_LIST || !isUtf8(bytes)) return false;
  const f: Found = { path: [], start: 0, end: 0, starts: [], ends: [], members: [] };
  try {
    f.end = listElements(bytes, 0, f);
  } catch {
    return false;
  }
  if (f.starts.length !== list.length || f.end !== bytes.length) return false;
  // A message is sent with members put in before its last byte: each element must be an object from end to end.
  for (let i = 0; i < f.starts.length; i++) if (bytes[f.starts[i]!] !== JsonByte.OPEN_OBJECT || bytes[f.ends[i]! - 1] !== JsonByte.CLOSE_OBJECT) return false;
  registry.set(first, { list, raw: { bytes, starts: Int32Array.from(f.starts), ends: Int32Array.from(f.ends), members: Int32Array.from(f.members), start: 0, end: f.end } });
  return true;
}

/**
 * How many object members `value` holds at any depth: what its JSON has as `key: value` pairs when no
 * object repeats a key. Parsing keeps one member per key, so fewer members than the bytes have means a
 * repeated key.
 */
export function memberCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) n += memberCount(value[i]);
    return n;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) n += 1 + memberCount(o[k]);
  return n;
}

export interface Found {
  /** Object keys from the top down to the list; the last one wins, as with JSON.parse. */
  path: string[];
  start: number;
  end: number;
  starts: number[];
  ends: number[];
  members: number[];
}

/**
 * The elements of the list whose `[` is at `from`, into `f`; answers the offset after its `]`. One
 * tight loop over the bytes (most of a batch's bytes), minding strings and nesting: a member is a
 * colon outside strings, an element ends at a comma or the `]` outside strings and nesting.
 */
function listElements(bytes: Buffer, from: number, f: Found): number {
  const n = bytes.length;
  let i = from + 1;
  let depth = 0;
  let members = 0;
  let start = -1;
  let end = -1;
  while (i < n) {
    const b = bytes[i]!;
    if (b === JsonByte.QUOTE) {
      if (start < 0) start = i;
      for (i++; i < n; i++) {
        const c = bytes[i]!;
        if (c === JsonByte.BACKSLASH) i++;
        else if (c === JsonByte.QUOTE) break;
      }
      end = ++i;
      continue;
    }
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
      i++;
      continue;
    }
    if (depth === 0 && (b === JsonByte.COMMA || b === JsonByte.CLOSE_LIST)) {
      if (start < 0) {
        if (b === JsonByte.CLOSE_LIST && f.starts.length === 0) return i + 1; // []
        throw new Error(`an empty element at ${i}`);
      }
      f.starts.push(start);
      f.ends.push(end);
      f.members.push(members);
      start = -1;
      members = 0;
      if (b === JsonByte.CLOSE_LIST) return i + 1;
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (b === JsonByte.OPEN_OBJECT || b === JsonByte.OPEN_LIST) depth++;
    else if (b === JsonByte.CLOSE_OBJECT || b === JsonByte.CLOSE_LIST) depth--;
    else if (b === JsonByte.COLON) members++;
    end = ++i;
  }
  throw new Error('unterminated list');
}

/**
 * One pass over JSON bytes JSON.parse accepted: the objects on the way down are read key by key; a
 * list found there has its elements' places and member counts noted; everything else is skipped,
 * minding strings and nesting. Throws on bytes that are not as expected. `reader`, when given, reads a
 * list first: it answers the offset after the list with its elements in `f`, or -1 to leave it to the
 * reading above (util/deferred-list.ts reads the plain lists it can defer).
 */
export function scanLists(bytes: Buffer, reader?: (bytes: Buffer, from: number, f: Found) => number): Found[] {
  const found = new Map<string, Found>();
  let i = 0;
  const n = bytes.length;
  const space = () => {
    while (i < n && isSpace(bytes[i])) i++;
  };
  const expect = (b: number) => {
    if (bytes[i] !== b) throw new Error(`unexpected byte at ${i}`);
    i++;
  };
  /** Past a string that starts at i. */
  const skipString = () => {
    for (i++; i < n; i++) {
      const c = bytes[i]!;
      if (c === JsonByte.BACKSLASH) i++;
      else if (c === JsonByte.QUOTE) return void i++;
    }
    throw new Error('unterminated string');
  };
  /** Past a value not looked into: a string, a number, a literal, an object deeper than lists are looked for. */
  const skipValue = () => {
    if (bytes[i] === JsonByte.QUOTE) return skipString();
    if (bytes[i] !== JsonByte.OPEN_OBJECT) {
      while (i < n && !isSpace(bytes[i]) && bytes[i] !== JsonByte.COMMA && bytes[i] !== JsonByte.CLOSE_OBJECT && bytes[i] !== JsonByte.CLOSE_LIST) i++;
      return;
    }
    for (let depth = 0; i < n; i++) {
      const c = bytes[i]!;
      if (c === JsonByte.QUOTE) skipString(), i--;
      else if (c === JsonByte.OPEN_OBJECT || c === JsonByte.OPEN_LIST) depth++;
      else if ((c === JsonByte.CLOSE_OBJECT || c === JsonByte.CLOSE_LIST) && --depth === 0) return void i++;
    }
    throw new Error('unbalanced');
  };
  const list = (path: string[]) => {
    const f: Found = { path, start: i, end: i, starts: [], ends: [], members: [] };
    const end = reader ? reader(bytes, i, f) : -1;
    i = end >= 0 ? end : listElements(bytes, i, f);
    f.end = i;
    if (f.starts.length >= MIN_RAW_ELEMENTS) found.set(JSON.stringify(path), f);
  };
  const value = (path: string[]) => {
    const b = bytes[i];
    if (b === JsonByte.OPEN_OBJECT && path.length < MAX_PATH) object(path);
    else if (b === JsonByte.OPEN_LIST) list(path);
    else skipValue();
  };
  const object = (path: string[]) => {
    expect(JsonByte.OPEN_OBJECT);
    space();
    if (bytes[i] === JsonByte.CLOSE_OBJECT) return void i++;
    for (;;) {
      space();
      const from = i;
      skipString();
      const key = JSON.parse(bytes.toString('utf8', from, i)) as string;
      space();
      expect(JsonByte.COLON);
      space();
      value([...path, key]);
      space();
      if (bytes[i] === JsonByte.COMMA) i++;
      else break;
    }
    expect(JsonByte.CLOSE_OBJECT);
  };
  space();
  value([]);
  // A repeated key keeps its last value, as JSON.parse does: a list found under an earlier one is replaced.
  return [...found.values()];
}
