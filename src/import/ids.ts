import { isAscii } from 'node:buffer';
import { createHash, hash } from 'node:crypto';

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
 * `imp-` + 32 characters (192 bits) of sha256 over `context \n position \n filled \n` and the record's
 * bytes, each byte read as one latin1 character and hashed as UTF-8: the definition every id of an
 * earlier import was made with, so a resume keeps them. For an ASCII record those are its bytes as
 * they are, hashed from a reused buffer; any other record goes through the text, as the definition says.
 */
export function recordMessageId(context: string, position: number, raw: Buffer, filled = ''): string {
  if (context.length + filled.length + raw.length + 24 <= SCRATCH.length && isAscii(raw) && !NOT_ASCII.test(context) && !NOT_ASCII.test(filled)) {
    let n = SCRATCH.write(context, 0, 'latin1');
    SCRATCH[n++] = NEWLINE;
    n += SCRATCH.write(String(position), n, 'latin1');
    SCRATCH[n++] = NEWLINE;
    n += SCRATCH.write(filled, n, 'latin1');
    SCRATCH[n++] = NEWLINE;
    n += raw.copy(SCRATCH, n);
    return ID_PREFIX + hash('sha256', SCRATCH.subarray(0, n), 'base64url').slice(0, 32);
  }
  return ID_PREFIX + hash('sha256', `${context}\n${position}\n${filled}\n${raw.toString('latin1')}`, 'base64url').slice(0, 32);
}
