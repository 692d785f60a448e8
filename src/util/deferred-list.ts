import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { parseJsonText } from './json-text.js';
import { plainObjects, type PlainElements } from './json-elements.js';
import { scanLists, type RawElements } from './raw-json.js';

/**
 * A large list of a JSON line left unparsed until it is read. A batch of 25,000 messages parsed whole
 * lives through its call: the garbage collector copies it from the young generation to the old one,
 * and nothing can be sent before the last message is parsed. A deferred list is a real array to
 * everyone: any read of it but its length parses the whole list into it first, exactly as JSON.parse
 * would have. A reader that knows it (the batch path) asks `deferredOf` instead and parses one message
 * at a time, as its request is packed; each message then dies young.
 *
 * Only plain lists are deferred (util/json-elements.ts): every element an object that JSON.parse
 * accepts, none with a value the router's value check could refuse or warn about. So checking the
 * call's values before anything is sent holds for the list without reading it.
 */

export interface DeferredList {
  raw: RawElements;
  /** Whether every element brings its own string messageId and timestamp (nothing to assign). */
  allIdentified: boolean;
  /** Whether the list's messageIds are known to be distinct (its maker assigned them): no repeats to look for. */
  distinctIds?: boolean;
  /** Element `i`, parsed now from its bytes (a new object each time: the caller keeps it or lets it go). */
  at(i: number): unknown;
  /** Whether something read the list as an array, which parsed all of it into the array. */
  readonly materialised: boolean;
}

const deferred = new WeakMap<object, DeferredList>();

/** What a deferred list is, without reading it; undefined for any other value. */
export function deferredOf(value: unknown): DeferredList | undefined {
  return typeof value === 'object' && value !== null ? deferred.get(value) : undefined;
}

function decode(bytes: Buffer, start: number, end: number): unknown {
  return JSON.parse(bytes.toString('utf8', start, end));
}

/** Elements parsed together when the list is read in order: one JSON.parse of 64 costs a fifth less than 64 of one. */
const RUN = 64;

/**
 * Element `i` of a plain list, parsed from its bytes. Elements are parsed RUN at a time, as the array
 * JSON.parse makes of the bytes from element `i` to element `i + RUN - 1` (between them only commas
 * and spaces), and handed out one by one: each object is handed out once, so a second read of the same
 * element parses it anew, a new object, as before.
 */
function reader(raw: RawElements): (i: number) => unknown {
  let from = 0;
  let run: unknown[] = [];
  return (i) => {
    const k = i - from;
    if (k >= 0 && k < run.length && run[k] !== undefined) {
      const v = run[k];
      run[k] = undefined;
      return v;
    }
    const last = Math.min(i + RUN, raw.starts.length) - 1;
    if (last <= i) return decode(raw.bytes, raw.starts[i]!, raw.ends[i]!);
    run = JSON.parse(`[${raw.bytes.toString('utf8', raw.starts[i]!, raw.ends[last]!)}]`) as unknown[];
    from = i;
    const v = run[0];
    run[0] = undefined;
    return v;
  };
}

/**
 * The array that stands for the list: its length is known at once; anything else parses it first.
 * `raw` holds objects in valid UTF-8 that the value check (execution/argument-values.ts) would pass
 * without a word, which it then skips: plain ones (util/json-elements.ts), or ones the maker checked itself.
 * `allIdentified` as in `PlainElements`; `distinctIds` as in `DeferredList`.
 */
export function standIn(raw: RawElements, allIdentified: boolean, distinctIds = false): unknown[] {
  const target: unknown[] = new Array(raw.starts.length);
  let materialised = false;
  const materialise = () => {
    if (materialised) return;
    materialised = true;
    const all = decode(raw.bytes, raw.start, raw.end) as unknown[];
    for (let i = 0; i < all.length; i++) target[i] = all[i];
  };
  const list = new Proxy(target, {
    get: (t, key) => (key === 'length' ? t.length : (materialise(), Reflect.get(t, key))),
    set: (t, key, v) => (materialise(), Reflect.set(t, key, v)),
    has: (t, key) => (materialise(), Reflect.has(t, key)),
    ownKeys: (t) => (materialise(), Reflect.ownKeys(t)),
    getOwnPropertyDescriptor: (t, key) => (materialise(), Reflect.getOwnPropertyDescriptor(t, key)),
    defineProperty: (t, key, d) => (materialise(), Reflect.defineProperty(t, key, d)),
    deleteProperty: (t, key) => (materialise(), Reflect.deleteProperty(t, key)),
  });
  const read = reader(raw);
  deferred.set(list, {
    raw,
    allIdentified,
    ...(distinctIds ? { distinctIds } : {}),
    at: (i) => (materialised ? target[i] : read(i)),
    get materialised() {
      return materialised;
    },
  });
  return list;
}

/**
 * Parses a JSON line (`bytes`, already known to be one line) with its large plain lists deferred:
 * undefined when there is none, or when the line should be parsed whole (not valid UTF-8, not JSON:
 * parsing it whole then says why).
 */
export function parseDeferring(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) return undefined;
  // The lists on the way down, each read as plain objects when it is one (else as raw-json reads it).
  const plains = new Map<number, PlainElements>();
  let found;
  try {
    found = scanLists(bytes, (b, from, f) => {
      const plain = plainObjects(b, from);
      if (!plain) return -1;
      plains.set(from, plain);
      f.starts = plain.starts;
      f.ends = plain.ends;
      f.members = plain.members;
      return plain.end;
    });
  } catch {
    return undefined;
  }
  const lists: { path: string[]; raw: RawElements; plain: PlainElements }[] = [];
  for (const f of found) {
    const plain = plains.get(f.start);
    if (!f.path.length || !plain) continue;
    lists.push({ path: f.path, plain, raw: { bytes, starts: Int32Array.from(plain.starts), ends: Int32Array.from(plain.ends), members: Int32Array.from(plain.members), start: f.start, end: plain.end, spaced: plain.spaced } });
  }
  if (!lists.length) return undefined;
  lists.sort((a, b) => a.raw.start - b.raw.start);
  // The rest of the line, each list replaced by a string no client can guess, parsed as usual.
  const mark = `\u0000deferred-${randomBytes(8).toString('hex')}-`;
  let text = '';
  let at = 0;
  lists.forEach((l, k) => {
    text += `${bytes.toString('utf8', at, l.raw.start)}${JSON.stringify(mark + k)}`;
    at = l.raw.end;
  });
  text += bytes.toString('utf8', at);
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch {
    return undefined;
  }
  // Each mark must be where its list was: a key repeated on the way down (JSON.parse keeps the last) moves it.
  for (const [k, l] of lists.entries()) {
    let parent: unknown = value;
    for (const key of l.path.slice(0, -1)) parent = isObject(parent) ? parent[key] : undefined;
    const last = l.path[l.path.length - 1]!;
    if (!isObject(parent) || parent[last] !== mark + k) return undefined;
    parent[last] = standIn(l.raw, l.plain.allIdentified);
  }
  return value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
