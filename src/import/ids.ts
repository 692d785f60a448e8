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

/**
 * `imp-` + 32 characters (192 bits) of sha256(context, position, what was filled in, bytes). One-shot
 * hashing (the record's bytes read as latin1, one character per byte) costs half of a Hash object's.
 */
export function recordMessageId(context: string, position: number, raw: Buffer, filled = ''): string {
  return ID_PREFIX + hash('sha256', `${context}\n${position}\n${filled}\n${raw.toString('latin1')}`, 'base64url').slice(0, 32);
}
