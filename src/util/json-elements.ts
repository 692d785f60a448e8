/**
 * Reads a JSON list of objects from its bytes without parsing it: checks that every element is JSON
 * that JSON.parse accepts, notes where each one lies, and answers nothing (undefined) for a list whose
 * elements are not plain: an element that is not an object, nests deeper than MAX_NESTING, has a
 * number with an exponent or more than MAX_NUMBER_CHARS characters, or a \u escape of a UTF-16
 * surrogate. Such values are what the router's value check (execution/argument-values.ts) looks at
 * (integers past 2^53, numbers that underflow, lone surrogates, depth); a list without them passes that
 * check whatever its elements say, so its elements can be parsed one at a time, later.
 *
 * One loop over the bytes, with the byte values written as numbers (imported constants were read per
 * byte in such loops): most of a batch's bytes are inside strings, read by the tight inner loop.
 */

/** Deep enough for any Segment message; far under the value check's 64 levels from the top of the call. */
export const MAX_NESTING = 32;
/** Integers of up to 15 digits are exact doubles, and no number this short can underflow to 0. */
const MAX_NUMBER_CHARS = 15;

/** Where each element of a plain list lies, and what the checks need to know of it without parsing it. */
export interface PlainElements {
  starts: number[];
  ends: number[];
  /** Object members (`key: value` pairs at any depth) in each element's bytes: a repeated key shows as a difference. */
  members: number[];
  /** Whether every element has exactly one `"messageId"` and one `"timestamp"` member, each a string (so nothing is assigned). */
  allIdentified: boolean;
  /** The offset after the list's `]`. */
  end: number;
  /** Whether the list's bytes have whitespace outside strings (false: its JSON as written has none). */
  spaced: boolean;
}

const OBJECT = 1;
const LIST = 2;
const stack = new Uint8Array(MAX_NESTING + 1);

/** A key at the top of an element: 0 for most, 1 for `"messageId"`, 2 for `"timestamp"`, 3 for `"type"` (bytes as written, no escapes). */
function topKey(b: Uint8Array, start: number, end: number): number {
  if (end - start === 6) return b[start + 1] === 0x74 && b[start + 2] === 0x79 && b[start + 3] === 0x70 && b[start + 4] === 0x65 ? 3 : 0;
  if (end - start !== 11) return 0;
  // "messageId" and "timestamp" are both 9 letters; told apart by their first.
  const first = b[start + 1];
  const word = first === 0x6d ? 'messageId' : first === 0x74 ? 'timestamp' : '';
  if (!word) return 0;
  for (let k = 0; k < 9; k++) if (b[start + 1 + k] !== word.charCodeAt(k)) return 0;
  return first === 0x6d ? 1 : 2;
}

/** Whether the last string read had an escape in it. */
let escaped = false;

/** Past a string whose `"` is at `i`; -1 when it is not JSON or holds a surrogate escape. */
function string(b: Uint8Array, i: number, n: number): number {
  escaped = false;
  for (i++; i < n; ) {
    const c = b[i]!;
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1; // a control character must be escaped
    if (c !== 0x5c) {
      i++;
      continue;
    }
    escaped = true;
    const e = b[i + 1];
    if (e === 0x75) {
      // \uXXXX: four hex digits; D800-DFFF is half of a pair, left to the full check.
      for (let k = 2; k < 6; k++) if (!isHex(b[i + k])) return -1;
      const h0 = b[i + 2]!;
      const h1 = b[i + 3]!;
      if ((h0 === 0x64 || h0 === 0x44) && (h1 >= 0x38 ? h1 <= 0x39 || (h1 | 0x20) >= 0x61 : false)) return -1;
      i += 6;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
    else return -1;
  }
  return -1;
}

const isHex = (c: number | undefined) => c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66));
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** Past a number at `i`: `-?(0|[1-9][0-9]*)(.[0-9]+)?`, at most MAX_NUMBER_CHARS; -1 otherwise (exponents included). */
function number(b: Uint8Array, i: number): number {
  const from = i;
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i - from > MAX_NUMBER_CHARS ? -1 : i;
}

/** Past `true`, `false` or `null` at `i`; -1 otherwise. */
function literal(b: Uint8Array, i: number): number {
  const c = b[i];
  const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : c === 0x6e ? 'null' : '';
  if (!word) return -1;
  for (let k = 1; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Whether the list being read has whitespace outside its strings (the journal hashes its bytes without it). */
let spaced = false;
/** Past the whitespace at `i` (there is some), noted for the list being read. */
function pastSpace(b: Uint8Array, i: number): number {
  spaced = true;
  do i++;
  while (isSpace(b[i]));
  return i;
}

/** The element being read: counted as its keys are read (one list is read at a time, start to end). */
let members = 0;
let ids = 0;
let stamps = 0;
let types = 0;
let escapedTopKey = false;
let untypedTopKey = false;

/** Past a key at `i` (in an object `depth` deep), its colon and the spaces after it; -1 when not JSON. */
function key(b: Uint8Array, i: number, n: number, depth: number): number {
  const from = i;
  if (b[i] !== 0x22 || (i = string(b, i, n)) < 0) return -1;
  const k = depth === 1 ? topKey(b, from, i) : 0;
  if (depth === 1) {
    if (k === 1) ids++;
    else if (k === 2) stamps++;
    else if (k === 3) types++;
    if (escaped) escapedTopKey = true; // another spelling of a key could be messageId
  }
  if (isSpace(b[i])) i = pastSpace(b, i);
  if (b[i++] !== 0x3a) return -1;
  members++;
  if (isSpace(b[i])) i = pastSpace(b, i);
  if ((k === 1 || k === 2) && b[i] !== 0x22) untypedTopKey = true;
  return i;
}

/** Past the plain object at `i` (see above), counting its members and top keys; -1 when it is not one. */
function element(b: Uint8Array, i: number, n: number): number {
  if (b[i] !== 0x7b) return -1;
  members = ids = stamps = types = 0;
  escapedTopKey = untypedTopKey = false;
  // One element: an object, read with a stack of what is open (1 object, 2 list).
  let depth = 0;
  let expectValue = true;
  do {
    if (expectValue) {
      const c = b[i];
      if (c === 0x7b || c === 0x5b) {
        if (++depth > MAX_NESTING) return -1;
        stack[depth] = c === 0x7b ? OBJECT : LIST;
        i++;
        if (isSpace(b[i])) i = pastSpace(b, i);
        if (b[i] === (c === 0x7b ? 0x7d : 0x5d)) {
          i++;
          depth--;
          expectValue = false;
        } else if (c === 0x7b && (i = key(b, i, n, depth)) < 0) return -1;
        continue;
      }
      if (c === 0x22) i = string(b, i, n);
      else if (c === 0x2d || isDigit(c)) i = number(b, i);
      else i = literal(b, i);
      if (i < 0) return -1;
      expectValue = false;
      continue;
    }
    // After a value inside an open object or list: a comma and the next member, or its close.
    if (isSpace(b[i])) i = pastSpace(b, i);
    const c = b[i];
    const open = stack[depth];
    if (c === 0x2c) {
      i++;
      if (isSpace(b[i])) i = pastSpace(b, i);
      if (open === OBJECT && (i = key(b, i, n, depth)) < 0) return -1;
      expectValue = true;
    } else if ((c === 0x7d && open === OBJECT) || (c === 0x5d && open === LIST)) {
      i++;
      depth--;
    } else return -1;
  } while (depth > 0);
  return i;
}

/** What `plainObject` read of an object: its members, and its top keys that matter to a message. */
export interface PlainObject {
  /** Object members at any depth, as in `PlainElements.members`. */
  members: number;
  /** How many times `"type"`, `"messageId"` and `"timestamp"` are keys at the top, as written. */
  types: number;
  ids: number;
  stamps: number;
  /** A top key is written with an escape: it may be one of the three in another spelling. */
  escapedKey: boolean;
  /** A top `messageId` or `timestamp` whose value is not a string. */
  untypedKey: boolean;
}

/**
 * One record's bytes read as `plainObjects` reads a list's element: the offset after the object that
 * starts at `from`, with what it holds in `out`; -1 when the bytes there are not a plain object.
 */
export function plainObject(b: Uint8Array, from: number, out: PlainObject): number {
  const end = element(b, from, b.length);
  if (end < 0) return -1;
  out.members = members;
  out.types = types;
  out.ids = ids;
  out.stamps = stamps;
  out.escapedKey = escapedTopKey;
  out.untypedKey = untypedTopKey;
  return end;
}

/**
 * The elements of the list whose `[` is at `from`, when every one is a plain object (see above);
 * undefined when one is not, or when the bytes are not JSON.
 */
export function plainObjects(b: Uint8Array, from: number): PlainElements | undefined {
  const n = b.length;
  const out: PlainElements = { starts: [], ends: [], members: [], allIdentified: true, end: -1, spaced: false };
  if (b[from] !== 0x5b) return undefined;
  spaced = false;
  let i = from + 1;
  if (isSpace(b[i])) i = pastSpace(b, i);
  if (b[i] === 0x5d) return undefined; // an empty list: nothing to defer
  for (;;) {
    const start = i;
    if ((i = element(b, i, n)) < 0) return undefined;
    out.starts.push(start);
    out.ends.push(i);
    out.members.push(members);
    if (escapedTopKey || untypedTopKey || ids !== 1 || stamps !== 1) out.allIdentified = false;
    if (isSpace(b[i])) i = pastSpace(b, i);
    if (b[i] === 0x2c) {
      i++;
      if (isSpace(b[i])) i = pastSpace(b, i);
      continue;
    }
    if (b[i] !== 0x5d) return undefined;
    out.end = i + 1;
    out.spaced = spaced;
    return out;
  }
}
