import { randomBytes } from 'node:crypto';
import { countText } from './count-text.js';

/**
 * JSON text parsed so that no number changes silently. JSON.parse turns a literal too small for a
 * double (`1e-400`, `0.000…1`) into 0 and nothing downstream can tell; infinities and integers past
 * 2^53 stay visible after parsing and are checked with the other argument values
 * (execution/argument-values.ts). Here such a literal becomes a `LossyNumber` holding its text, which
 * that check refuses naming the field.
 */
export class LossyNumber {
  constructor(readonly text: string) {}
  /** If one is ever serialised, it is what JSON.parse would have made of it. */
  toJSON(): number {
    return Number(this.text);
  }
}

/**
 * Bounds on what one text may make when parsed, checked before: nesting and literals too small for a
 * double (each becomes an object). Within the size limits, 16 MB of `[[[[...` parsed into 900 MB of
 * arrays. The nesting bound is far past what any call takes (tool arguments stop at 64 levels, and
 * deeper arguments get that check's field-level error), low enough that the arrays stay a few MB.
 */
export const MAX_JSON_DEPTH = 100_000;
export const MAX_LOSSY_NUMBERS = 1_000;

/** JSON that is valid but past those bounds: a parse error whose message says which. */
export class JsonLimitError extends SyntaxError {
  override name = 'JsonLimitError';
}

/** Cheap first look: an underflow needs an exponent of -100 or below, or hundreds of zeros. */
const MAYBE_TINY = /[eE]-\d{3}|0{300}/;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonText(text: string): unknown {
  if (text.length > MAX_JSON_DEPTH) checkDepth(text);
  const value = JSON.parse(text) as unknown;
  if (!MAYBE_TINY.test(text)) return value;
  const tiny = tinyNumbers(text);
  if (!tiny.length) return value;
  if (tiny.length > MAX_LOSSY_NUMBERS) throw new JsonLimitError(`more than ${MAX_LOSSY_NUMBERS} numbers too small for a double (such as 1e-400): send them as strings`);
  // Parse again with each tiny literal quoted behind a marker no client can guess, then revive it.
  const mark = `\u0000${randomBytes(6).toString('hex')}:`;
  let marked = '';
  let at = 0;
  for (const t of tiny) {
    marked += `${text.slice(at, t.start)}"\\u0000${mark.slice(1)}${t.text}"`;
    at = t.end;
  }
  marked += text.slice(at);
  return JSON.parse(marked, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(mark) ? new LossyNumber(v.slice(mark.length)) : v));
}

/** The index of the quote that closes the string opened at `open`, escapes skipped (text.length if none). */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d === 92) i++;
    else if (d === 34) break;
  }
  return i;
}

/** Throws when brackets outside strings nest deeper than MAX_JSON_DEPTH. Linear. */
function checkDepth(text: string): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) i = stringEnd(text, i);
    else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) throw new JsonLimitError(`nested deeper than ${countText(MAX_JSON_DEPTH)} levels`);
    } else if (c === 93 || c === 125) depth--;
  }
}

/** Number literals outside strings whose digits are not all zero but which parse as 0. Linear. */
function tinyNumbers(text: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 34) i = stringEnd(text, i) + 1;
    else if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      const literal = m?.[0] ?? text[i]!;
      if (m && Number(literal) === 0 && /[1-9]/.test(literal.split(/[eE]/)[0]!)) out.push({ start: i, end: i + literal.length, text: literal });
      i += literal.length;
    } else i++;
  }
  return out;
}
