import { randomBytes } from 'node:crypto';

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

/** Cheap first look: an underflow needs an exponent of -100 or below, or hundreds of zeros. */
const MAYBE_TINY = /[eE]-\d{3}|0{300}/;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonText(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (!MAYBE_TINY.test(text)) return value;
  const tiny = tinyNumbers(text);
  if (!tiny.length) return value;
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

/** Number literals outside strings whose digits are not all zero but which parse as 0. Linear. */
function tinyNumbers(text: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string, escapes included.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      const literal = m?.[0] ?? text[i]!;
      if (m && Number(literal) === 0 && /[1-9]/.test(literal.split(/[eE]/)[0]!)) out.push({ start: i, end: i + literal.length, text: literal });
      i += literal.length;
    } else i++;
  }
  return out;
}
