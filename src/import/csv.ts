import { createReadStream } from 'node:fs';
import { BLOCK_BYTES, InputError, type ReadPosition, type SourceRecord } from './source.js';
import { parseHeader, toMessage, type Column } from './csv-cells.js';

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
      const built = toMessage(header.columns, row.text);
      out.push({ line: row.line, next: { offset: row.end, line: row.lastLine, item: 0 }, raw: row.raw, ...built });
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
}

/** Rows as text, with the line each starts on and the offset past it. */
async function* csvRows(path: string, start: number, linesBefore: number, blockBytes = BLOCK_BYTES): AsyncGenerator<Row[]> {
  let carry: Buffer | undefined;
  let base = start;
  let line = linesBefore;
  let quoted = false;
  /** Where the scan resumes in the carried bytes (everything before was scanned already). */
  let scanned = 0;
  let rowLines = 0;
  const take = (buf: Buffer, from: number, to: number, end: number): Row => {
    let stop = to;
    if (stop > from && buf[stop - 1] === 0x0d) stop--;
    const raw = buf.subarray(from, stop);
    let text = raw.toString('utf8');
    if (base === 0 && from === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const row = { line: line + 1, lastLine: line + rowLines, end, raw, text };
    line += rowLines;
    rowLines = 0;
    return row;
  };
  for await (const block of createReadStream(path, { start, highWaterMark: blockBytes })) {
    const buf: Buffer = carry ? Buffer.concat([carry, block as Buffer]) : (block as Buffer);
    const out: Row[] = [];
    let rowStart = 0;
    for (let i = scanned; i < buf.length; i++) {
      const b = buf[i]!;
      if (b === QUOTE) quoted = !quoted; // "" inside quotes toggles twice: still quoted
      else if (b === NEWLINE) {
        rowLines++;
        if (!quoted) {
          out.push(take(buf, rowStart, i, base + i + 1));
          rowStart = i + 1;
        }
      }
    }
    base += rowStart;
    carry = rowStart < buf.length ? buf.subarray(rowStart) : undefined;
    scanned = carry ? carry.length : 0;
    if (out.length) yield out;
  }
  if (carry?.length) {
    rowLines++;
    yield [take(carry, 0, carry.length, base + carry.length)];
  }
}
