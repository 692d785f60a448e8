/**
 * What every reader of an import file yields, whatever the format: records in file order, each with
 * where it is (for people: the line; for a resume: the byte offset after it) and either a parsed
 * value or why it could not be read. Readers hand records over in batches (one per block read), so
 * a file of millions of lines costs one await per block, not per line.
 */

export type EventFormat = 'ndjson' | 'json' | 'csv';
export const FORMATS: EventFormat[] = ['ndjson', 'json', 'csv'];

export interface SourceRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  /** 1-based position in a JSON array (absent for line formats, where the line says it). */
  item?: number;
  /** Where a resume starts to read the record after this one. */
  next: ReadPosition;
  /** The record as written, without its line break: a view of the block read (holding it keeps the block). */
  raw: Buffer;
  /** Set when every byte of `raw` is known to be ASCII (its whole block was): nothing to check again. */
  ascii?: boolean;
  value?: unknown;
  error?: string;
  /**
   * The file's last record, without its line break: it may still be being written. `next` is its own
   * start, and no checkpoint counts it (prepare.ts gives it a chunk of its own): a later run reads it again, whole.
   */
  open?: boolean;
}

/** Where a reader starts: the file's beginning, or just past a record read earlier. */
export interface ReadPosition {
  offset: number;
  /** Lines before `offset` (so line numbers stay those of the file). */
  line: number;
  /** JSON arrays: items before `offset`. */
  item: number;
  /** JSON arrays: what follows is text after the last "]", never read (appended to or not). */
  past?: true;
}

export const START: ReadPosition = { offset: 0, line: 0, item: 0 };

/** The file is not what it was said or guessed to be; nothing may be sent from it. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Blocks of this size are read at once, and handed over a few hundred records at a time: few reads,
 * and small bursts of parsed records. Reading 400,000 lines whole-block at a time: peak RSS 79 MB with
 * 64 KB blocks, 137 MB with 1 MB blocks; in slices, 256 KB blocks read 200,000 lines at 67 MB.
 */
export const BLOCK_BYTES = 256 * 1024;

/**
 * A record longer than this is no message (Segment takes 32 KB): it is read to its end, but only its
 * start is kept, so a 100 MB line or array item costs a reject, not hundreds of MB of memory.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Records per batch a reader hands over, however many a block holds: records made a block at a time
 * (a 256 KB block is ~4,000 short rows) outlived the young generation while the calls before them were
 * sent, and were promoted (a CSV import ran 28 full collections for 1,000,000 rows, peak 154 MB).
 */
export const SLICE = 256;
export const TOO_LONG = `longer than ${MAX_RECORD_BYTES / 1024 / 1024} MB, which no message can be (Segment takes 32 KB)`;

/**
 * Why a record that is not valid UTF-8 is refused, naming its first bad byte. Segment takes UTF-8 text;
 * read as UTF-8, such bytes would turn into U+FFFD and the record reach Segment changed.
 */
export function notUtf8(raw: Buffer): string {
  const text = raw.toString('utf8');
  let at = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    // U+FFFD stands for bytes that were not UTF-8, unless the record wrote it (EF BF BD).
    if (cp === 0xfffd && !(raw[at] === 0xef && raw[at + 1] === 0xbf && raw[at + 2] === 0xbd)) break;
    at += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  const byte = raw[at] === undefined ? '' : `byte 0x${raw[at]!.toString(16).toUpperCase().padStart(2, '0')} `;
  return `not valid UTF-8 (${byte}at byte ${at + 1} of the record): Segment takes UTF-8 text. Save the file as UTF-8 (for example with iconv -f latin1 -t utf-8) and import that file, or fix the record`;
}
