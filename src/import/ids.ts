import { isAscii } from 'node:buffer';
import { createHash, hash } from 'node:crypto';
import { writeDigits } from '../util/json-bytes.js';

/**
 * Deterministic messageIds for records that bring none. An id is a hash of:
 * - the record's bytes as written, and its position (line, or item in a JSON array), so two equal
 *   lines of one file are still two events;
 * - what gives the record its meaning besides its bytes: the format and, for CSV, the header row
 *   (`u1,5` means nothing without it), and a --type or --default-timestamp filled in for it.
 * The same line of the same file therefore gets the same id on every run and every machine: a line
 * sent again (a resume, a re-run, a crash between Segment's answer and the checkpoint) reaches Segment
 * under one id, and Segment keeps one copy. It is deliberately not a hash of the whole file or its
 * head: fixing a rejected line in place and running again leaves every other line's id unchanged.
 * Inserting or deleting lines moves the positions after them (their ids change): fix lines in place,
 * or import the corrected rejects as a file of their own.
 */

export const ID_PREFIX = 'imp-';

/** What every record of a file shares: its format and, for CSV, its header. */
export function fileContext(format: string, header = ''): string {
  return createHash('sha256').update(`${format}\n${header}`).digest('base64url');
}

/** Where a record's id input is put together: reused, so an id costs no string of the record's size. */
const SCRATCH = Buffer.allocUnsafe(64 * 1024);
const NOT_ASCII = /[^\x00-\x7f]/;
const NEWLINE = 0x0a;

/**
 * `context \n` as written at the start of SCRATCH, kept from one record to the next: every record of a
 * file shares its context, and writing and checking it again was a third of an id's cost.
 */
let prefixOf = '';
let prefixBytes = -1;

/** Bytes of `context \n` at the start of SCRATCH, or -1 when the context is not ASCII. */
function prefix(context: string): number {
  if (context !== prefixOf) {
    prefixOf = context;
    prefixBytes = NOT_ASCII.test(context) || context.length + 1 > SCRATCH.length ? -1 : SCRATCH.write(context, 0, 'latin1') + 1;
    if (prefixBytes > 0) SCRATCH[prefixBytes - 1] = NEWLINE;
  }
  return prefixBytes;
}

/**
 * `imp-` + 32 characters (192 bits) of sha256 over `context \n position \n filled \n` and the record's
 * bytes, each byte read as one latin1 character and hashed as UTF-8: the definition every id of an
 * earlier import was made with, so a resume keeps them. For an ASCII record those are its bytes as
 * they are, hashed from a reused buffer; any other record goes through the text, as the definition says.
 * `ascii`: whether every byte of `raw` is ASCII, when the caller already knows.
 */
export function recordMessageId(context: string, position: number, raw: Buffer, filled = '', ascii = isAscii(raw)): string {
  const head = prefix(context);
  if (head > 0 && head + filled.length + raw.length + 24 <= SCRATCH.length && ascii && (filled === '' || !NOT_ASCII.test(filled))) {
    // A line or item number: a safe non-negative integer, as every reader counts them.
    let n = Number.isSafeInteger(position) && position >= 0 ? writeDigits(position, SCRATCH, head) : head + SCRATCH.write(String(position), head, 'latin1');
    SCRATCH[n++] = NEWLINE;
    if (filled !== '') n += SCRATCH.write(filled, n, 'latin1');
    SCRATCH[n++] = NEWLINE;
    n += raw.copy(SCRATCH, n);
    return ID_PREFIX + hash('sha256', SCRATCH.subarray(0, n), 'base64url').slice(0, 32);
  }
  return ID_PREFIX + hash('sha256', `${context}\n${position}\n${filled}\n${raw.toString('latin1')}`, 'base64url').slice(0, 32);
}
