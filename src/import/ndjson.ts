import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { jsonErrorReason } from '../security/redact.js';
import { BLOCK_BYTES, MAX_RECORD_BYTES, SLICE, TOO_LONG, type ReadPosition, type SourceRecord } from './source.js';

/**
 * NDJSON: one JSON value per line. Lines are cut on the byte 0x0A (never inside a UTF-8 character),
 * a trailing CR and surrounding spaces are dropped, blank lines are skipped but counted. A line that
 * is not JSON is a record with an error, never the end of the file. With `parse` false, records are
 * handed over as bytes alone (no value, no error): the reader of the bytes parses them when it needs to.
 */
export async function* readNdjson(path: string, from: ReadPosition, blockBytes = BLOCK_BYTES, parse = true): AsyncGenerator<SourceRecord[]> {
  /** The start of a line that runs past the blocks read so far (usually one piece: the end of the last block). */
  let carry: Buffer[] = [];
  /** Bytes of that line read so far; past MAX_LINE_BYTES only its start is kept. */
  let carried = 0;
  /** Offset of the first byte of `carry` (or of the next block when there is none). */
  let base = from.offset;
  let line = from.line;
  for await (const chunk of createReadStream(path, { start: from.offset, highWaterMark: blockBytes })) {
    const block = chunk as Buffer;
    let out: SourceRecord[] = [];
    let start = 0;
    const first = block.indexOf(10);
    if (carry.length) {
      // Only the line that spans blocks is copied together, never the whole block.
      if (first < 0) {
        if (carried <= MAX_LINE_BYTES) carry.push(block);
        carried += block.length;
        continue;
      }
      const length = carried + first;
      line++;
      if (length > MAX_LINE_BYTES) out.push(tooLong(Buffer.concat(carry).subarray(0, MAX_LINE_BYTES), line, { offset: base + length + 1, line, item: 0 }));
      else {
        const joined = Buffer.concat([...carry, block.subarray(0, first)]);
        const rec = record(joined, 0, joined.length, line, { offset: base + joined.length + 1, line, item: 0 }, base === 0, parse, isAscii(joined));
        if (rec) out.push(rec);
      }
      base += length + 1;
      start = first + 1;
      carry = [];
      carried = 0;
    }
    // `base` is now the file offset of block[start].
    const blockBase = base - start;
    // One check of the block (a vector loop) spares two of each of its records (prepare.ts, ids.ts).
    const ascii = isAscii(block);
    for (let nl = block.indexOf(10, start); nl >= 0; nl = block.indexOf(10, start)) {
      line++;
      const rec = record(block, start, nl, line, { offset: blockBase + nl + 1, line, item: 0 }, blockBase + start === 0, parse, ascii);
      if (rec) out.push(rec);
      start = nl + 1;
      // A large block is handed over in slices: records are parsed as they are taken, not all at once.
      if (out.length === SLICE) {
        yield out;
        out = [];
      }
    }
    base = blockBase + start;
    if (start < block.length) {
      carry = [block.subarray(start)];
      carried = block.length - start;
    }
    if (out.length) yield out;
  }
  if (carry.length) {
    const rest = carry.length === 1 ? carry[0]! : Buffer.concat(carry);
    // A last line without its line break may still be being written: a resume reads it again, whole.
    const next = { offset: base, line, item: 0 };
    const rec = carried > MAX_LINE_BYTES ? tooLong(rest.subarray(0, MAX_LINE_BYTES), line + 1, next) : record(rest, 0, rest.length, line + 1, next, base === 0, parse);
    if (rec) yield [{ ...rec, open: true }];
  }
}

const MAX_LINE_BYTES = MAX_RECORD_BYTES;
const tooLong = (start: Buffer, line: number, next: ReadPosition): SourceRecord => ({ line, next, raw: start, error: TOO_LONG });

const SPACE = new Set([0x20, 0x09, 0x0d]);

function record(buf: Buffer, from: number, to: number, line: number, next: ReadPosition, first: boolean, parse: boolean, ascii = false): SourceRecord | undefined {
  // A UTF-8 byte order mark at the very start of the file is not part of the first line.
  if (first && buf[from] === 0xef && buf[from + 1] === 0xbb && buf[from + 2] === 0xbf) from += 3;
  while (from < to && SPACE.has(buf[from]!)) from++;
  while (to > from && SPACE.has(buf[to - 1]!)) to--;
  if (from === to) return undefined;
  const raw = buf.subarray(from, to);
  if (!parse) return ascii ? { line, next, raw, ascii } : { line, next, raw };
  try {
    return { line, next, raw, ...(ascii ? { ascii } : {}), value: JSON.parse(raw.toString('utf8')) };
  } catch (err) {
    return { line, next, raw, ...(ascii ? { ascii } : {}), error: `not JSON (${jsonErrorReason(err)})` };
  }
}
