import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { BLOCK_BYTES, InputError, notUtf8, SLICE, type ReadPosition, type SourceRecord } from './source.js';
import { parseHeader, toMessage, type Column } from './csv-cells.js';
import { countText } from '../util/count-text.js';

/**
 * CSV (RFC 4180): a header row of field paths, then one message per row. Fields are separated by
 * commas; a field in double quotes may hold commas, line breaks and doubled quotes (""). A row ends
 * at a line break outside quotes. Rows are found on bytes (every delimiter is ASCII, so never inside
 * a UTF-8 character), then split and typed by the header (csv-cells.ts).
 */

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** The header row, read from the file's start (a resume needs it too). */
export async function readCsvHeader(path: string): Promise<{ columns: Column[]; text: string; end: number; lines: number }> {
  for await (const rows of csvRows(path, 0, 0)) {
    const first = rows[0];
    if (!first) continue;
    // Cut to its start, it would name fewer columns than the rows have, or a column that is not in the file.
    if (first.error) throw new InputError(`${path}: its header row is longer than ${countText(MAX_ROW_BYTES)} bytes, more than a message can hold (Segment takes 32 KB a message). Split the columns over several files, or put what belongs together in one column typed :json.`);
    return { columns: parseHeader(path, first.text), text: first.text, end: first.end, lines: first.lastLine };
  }
  throw new InputError(`${path} is empty: a CSV file starts with a header row naming the fields, e.g. userId,event,timestamp,properties.plan.`);
}

export async function* readCsv(path: string, from: ReadPosition, blockBytes = BLOCK_BYTES): AsyncGenerator<SourceRecord[]> {
  const header = await readCsvHeader(path);
  const start = from.offset === 0 ? header.end : from.offset;
  const firstLine = from.offset === 0 ? header.lines : from.line;
  for await (const rows of csvRows(path, start, firstLine, blockBytes)) {
    const out: SourceRecord[] = [];
    for (const row of rows) {
      if (!row.text.trim()) continue;
      const built = row.error ? { error: row.error } : toMessage(header.columns, row.text);
      const next = row.open ? { offset: row.start!, line: row.line - 1, item: 0 } : { offset: row.end, line: row.lastLine, item: 0 };
      out.push({ line: row.line, next, raw: row.raw, ...built, ...(row.open ? { open: true } : {}) });
    }
    if (out.length) yield out;
  }
}

interface Row {
  line: number;
  lastLine: number;
  end: number;
  raw: Buffer;
  text: string;
  /** Set for a row too long to be a message: only its start is kept (`raw`, `text`). */
  error?: string;
  /** The file's last row, without its line break, and where it starts: a resume reads it again from there. */
  open?: boolean;
  start?: number;
}

const COMMA = 0x2c;
const CR = 0x0d;
/**
 * A row longer than this is no message (Segment takes 32 KB): it is read to its end but only its
 * start is kept, so a quote that is never closed costs one reject, not the file in memory.
 */
const MAX_ROW_BYTES = 1024 * 1024;
const TOO_LONG = `longer than ${MAX_ROW_BYTES / 1024 / 1024} MB, which no message can be (Segment takes 32 KB)`;
/** The last row, too long because a quote opened in it is never closed. */
const UNCLOSED = `${TOO_LONG}: a quoted field that is never closed runs to the end of the file`;

/**
 * Rows as text, with the line each starts on and the offset past it. A quote opens a quoted field only
 * at the field's start (RFC 4180): `5" screen` is text, and a row with it is split (and refused) alone.
 */
async function* csvRows(path: string, start: number, linesBefore: number, blockBytes = BLOCK_BYTES): AsyncGenerator<Row[]> {
  /** The row so far, when it runs past the blocks read: its pieces, joined once when it ends (never block by block). */
  let pieces: Buffer[] = [];
  let carried = 0;
  let base = start;
  let line = linesBefore;
  let quoted = false;
  let fieldStart = true;
  /** Just past a closing quote. */
  let closed = false;
  let rowLines = 0;
  const take = (buf: Buffer, from: number, to: number, end: number): Row => {
    let whole = pieces.length ? Buffer.concat([...pieces, buf.subarray(from, to)]) : buf.subarray(from, to);
    const tooLong = carried + (to - from) > MAX_ROW_BYTES;
    if (tooLong) whole = whole.subarray(0, MAX_ROW_BYTES);
    let stop = whole.length;
    if (!tooLong && stop > 0 && whole[stop - 1] === CR) stop--;
    const raw = whole.subarray(0, stop);
    let text = raw.toString('utf8');
    if (base === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const error = tooLong ? TOO_LONG : isUtf8(raw) ? undefined : notUtf8(raw);
    const row: Row = { line: line + 1, lastLine: line + rowLines, end, raw, text, ...(error ? { error } : {}) };
    line += rowLines;
    rowLines = 0;
    pieces = [];
    carried = 0;
    base = end;
    return row;
  };
  for await (const chunk of createReadStream(path, { start, highWaterMark: blockBytes })) {
    const buf = chunk as Buffer;
    let out: Row[] = [];
    let rowStart = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (quoted) {
        // A quote inside quotes closes them; a second one right after ("") opens them again.
        if (b === QUOTE) (quoted = false), (closed = true);
        else if (b === NEWLINE) rowLines++;
        continue;
      }
      if (b === QUOTE) quoted = fieldStart || closed;
      else if (b === COMMA) fieldStart = true;
      else if (b === NEWLINE) {
        rowLines++;
        out.push(take(buf, rowStart, i, base + carried + (i - rowStart) + 1));
        rowStart = i + 1;
        fieldStart = true;
        // Handed over in slices: each row becomes its message as it is taken, not a block's worth at once.
        if (out.length === SLICE) {
          yield out;
          out = [];
        }
      }
      if (b !== COMMA && b !== NEWLINE && b !== CR) fieldStart = false;
      closed = false;
    }
    if (rowStart < buf.length) {
      // Past the limit only the row's start is kept; the rest is read for where the row ends.
      if (carried <= MAX_ROW_BYTES) pieces.push(buf.subarray(rowStart));
      carried += buf.length - rowStart;
    }
    if (out.length) yield out;
  }
  if (carried) {
    // A last row without its line break may still be being written: a resume reads it again, whole.
    rowLines++;
    const last = Buffer.concat(pieces);
    const [rowStart, total] = [base, carried];
    pieces = [];
    carried = 0;
    const row = take(last, 0, last.length, rowStart + total);
    yield [{ ...row, start: rowStart, open: true, ...(total > last.length ? { error: quoted ? UNCLOSED : TOO_LONG } : {}) }];
  }
}
