/**
 * The bytes JSON's structure is made of, for the scanners that read JSON without parsing it
 * (raw-json.ts, import/json-array.ts). A const enum: tsc writes each use as a number literal. The same
 * numbers as imported `const`s are loaded and checked at every use, in loops that run per byte: a scan
 * of an import's 1,000-message chunk took ~2.5x as long.
 */
export const enum JsonByte {
  QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c,
  OPEN_OBJECT = 0x7b,
  CLOSE_OBJECT = 0x7d,
  OPEN_LIST = 0x5b,
  CLOSE_LIST = 0x5d,
  NEWLINE = 0x0a,
}

/** A non-negative integer's decimal digits, written as ASCII into `target` at `offset`; the offset after them. */
export function writeDigits(n: number, target: Uint8Array, offset: number): number {
  let end = offset + 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) end++;
  for (let at = end - 1, rest = n; at >= offset; at--, rest = Math.floor(rest / 10)) target[at] = 0x30 + (rest % 10);
  return end;
}

/** JSON's whitespace: space, line feed, carriage return, tab. */
export const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Feeds JSON text to a hash without the whitespace between its tokens (inside strings it stays): the
 * same JSON spaced otherwise, or serialised by JSON.stringify, hashes the same.
 */
export function updateWithoutSpace(hash: { update(data: Uint8Array): unknown }, bytes: Uint8Array): void {
  let from = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === JsonByte.BACKSLASH) i++;
      else if (b === JsonByte.QUOTE) inString = false;
    } else if (b === JsonByte.QUOTE) inString = true;
    else if (isSpace(b)) {
      if (i > from) hash.update(bytes.subarray(from, i));
      from = i + 1;
    }
  }
  if (bytes.length > from) hash.update(bytes.subarray(from));
}
