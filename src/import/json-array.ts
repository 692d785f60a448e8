import { createReadStream } from 'node:fs';
import { jsonErrorReason } from '../security/redact.js';
import { BLOCK_BYTES, InputError, MAX_RECORD_BYTES, SLICE, TOO_LONG, type ReadPosition, type SourceRecord } from './source.js';
import { isSpace, JsonByte } from '../util/json-bytes.js';

/**
 * A JSON array read as a stream: the bytes are scanned for the array's own commas (outside strings
 * and nested values), and each item is parsed by itself. Memory is one item and one block, whatever
 * the file's size; an item that is not valid JSON is a record with an error and the next one is read.
 * A resume starts just past an item, where a comma or the closing bracket comes next. With `parse`
 * false, items are handed over as bytes alone (no value, no error), as NDJSON lines are (ndjson.ts).
 */

const BOM = [0xef, 0xbb, 0xbf];
const EMPTY_SLOT = 'an empty slot in the array: a comma with no item before it (nothing to send; remove the comma)';
const TRAILING_COMMA = 'a comma before the array\'s closing "]" (nothing to send; remove the comma)';

const enum S {
  /** Before the opening bracket. */
  Open,
  /** Where an item (or the closing bracket) may start. */
  Item,
  /** Inside an item. */
  In,
  /** After an item: a comma or the closing bracket. */
  After,
  /** After the closing bracket. */
  Done,
}


export async function* readJsonArray(path: string, from: ReadPosition, blockBytes = BLOCK_BYTES, parse = true): AsyncGenerator<SourceRecord[]> {
  // After text past the last "]", the file has nothing more to give, whatever is appended to it.
  if (from.past) return;
  let state: S = from.offset === 0 ? S.Open : S.After;
  let line = from.line + 1; // the line being read
  let item = from.item;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The item being read: its pieces (an item may span blocks), where it starts. */
  let parts: Buffer[] = [];
  /** Bytes of the item kept in `parts`; past MAX_RECORD_BYTES only its start is kept (`tooLong`). */
  let kept = 0;
  let tooLong = false;
  const keep = (piece: Buffer, copy: boolean) => {
    if (tooLong) return;
    if (kept + piece.length > MAX_RECORD_BYTES) {
      parts.push(Buffer.from(piece.subarray(0, MAX_RECORD_BYTES - kept)));
      kept = MAX_RECORD_BYTES;
      tooLong = true;
      return;
    }
    parts.push(copy ? Buffer.from(piece) : piece);
    kept += piece.length;
  };
  let itemLine = 0;
  let itemStart = 0;
  /** How much of a BOM (EF BB BF) was read after a "]". */
  let bomAt = 0;
  /** The line where text that is no array starts after a "]": from there on nothing is read. */
  let junkLine: number | undefined;
  /** Whether the last byte read outside an item was a comma: a comma or "]" next leaves an empty slot. */
  let afterComma = false;
  let offset = from.offset;
  /** Where the item being read starts: a file that ends inside it (still being written?) is read from there again. */
  let itemFrom: ReadPosition = from;

  const finish = (next: ReadPosition, parseIt = parse): SourceRecord => {
    const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    // The spaces after an item are the file's layout, not the item: left out, so the item is the same
    // bytes (the same id) whether the file was read up to its "}" or on to the "\n]" written after it.
    let end = whole.length;
    while (end > 0 && isSpace(whole[end - 1])) end--;
    const raw = whole.subarray(0, end);
    parts = [];
    item++;
    const cut = tooLong;
    kept = 0;
    tooLong = false;
    if (cut) return { line: itemLine, item, next: { ...next, item }, raw, error: TOO_LONG };
    if (!parseIt) return { line: itemLine, item, next: { ...next, item }, raw };
    // JSON.parse skips JSON's own spaces around the item; a wider trim (trimEnd takes a form feed or a
    // no-break space) would accept an item whose bytes, sent as written, are not JSON.
    const text = raw.toString('utf8');
    try {
      return { line: itemLine, item, next: { ...next, item }, raw, value: JSON.parse(text) };
    } catch (err) {
      return { line: itemLine, item, next: { ...next, item }, raw, error: `not JSON (${jsonErrorReason(err)})` };
    }
  };

  for await (const chunk of createReadStream(path, { start: from.offset, highWaterMark: blockBytes })) {
    const buf = chunk as Buffer;
    let out: SourceRecord[] = [];
    itemStart = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (b === JsonByte.NEWLINE) line++;
      switch (state) {
        case S.In:
          if (inString) {
            if (escaped) escaped = false;
            else if (b === JsonByte.BACKSLASH) escaped = true;
            else if (b === JsonByte.QUOTE) inString = false;
          } else if (b === JsonByte.QUOTE) inString = true;
          else if (b === JsonByte.OPEN_OBJECT || b === JsonByte.OPEN_LIST) depth++;
          else if ((b === JsonByte.CLOSE_OBJECT || b === JsonByte.CLOSE_LIST) && depth > 0) depth--;
          else if (depth === 0 && (b === JsonByte.COMMA || b === JsonByte.CLOSE_LIST)) {
            keep(buf.subarray(itemStart, i), false);
            out.push(finish({ offset: offset + i, line: line - 1, item: 0 }));
            state = b === JsonByte.COMMA ? S.Item : S.Done;
            afterComma = b === JsonByte.COMMA;
            if (out.length === SLICE) {
              yield out;
              out = [];
            }
          }
          break;
        case S.Open:
          if (isSpace(b) || (offset === 0 && i < 3 && (b === 0xef || b === 0xbb || b === 0xbf))) break;
          if (b !== JsonByte.OPEN_LIST) throw new InputError(`${path} is not a JSON array: it should start with "[" (found something else on line ${line}). For one message per line, use NDJSON (--format ndjson).`);
          state = S.Item;
          break;
        case S.Item:
          if (isSpace(b)) break;
          // An empty slot ([a,,b], [,a], [a,]) is not JSON: said, as a reject with nothing in it, and read past.
          // It is no item: numbering it would give every later item a new id once the comma is removed.
          if (b === JsonByte.COMMA || (b === JsonByte.CLOSE_LIST && afterComma)) {
            out.push({ line, next: { offset: offset + i, line: line - 1, item }, raw: Buffer.alloc(0), error: b === JsonByte.COMMA ? EMPTY_SLOT : TRAILING_COMMA });
          }
          if (b === JsonByte.CLOSE_LIST) {
            state = S.Done;
            break;
          }
          if (b === JsonByte.COMMA) {
            afterComma = true;
            break;
          }
          state = S.In;
          depth = 0;
          inString = false;
          escaped = false;
          itemLine = line;
          itemStart = i;
          itemFrom = { offset: offset + i, line: line - 1, item };
          i--; // read this byte again as the item's first
          if (b === JsonByte.NEWLINE) line--;
          break;
        case S.After:
          if (isSpace(b)) break;
          afterComma = b === JsonByte.COMMA;
          if (b === JsonByte.COMMA) state = S.Item;
          else if (b === JsonByte.CLOSE_LIST) state = S.Done;
          else {
            // Two items without a comma: read on from here as a new item.
            state = S.Item;
            i--;
            if (b === JsonByte.NEWLINE) line--;
          }
          break;
        case S.Done:
          // Arrays one after another (`cat day1.json day2.json`, the second maybe with its own BOM): the
          // next one's items are read on, numbered on. Anything else after "]" is not read at all, a "["
          // inside it neither: said once, when the file has been read (below).
          if (junkLine !== undefined) break;
          // A BOM is its three bytes in order; a stray one of them is text like any other.
          if (bomAt > 0 || b === BOM[0]) {
            if (b === BOM[bomAt]) bomAt = (bomAt + 1) % BOM.length;
            else junkLine = line;
            break;
          }
          if (isSpace(b)) break;
          if (b === JsonByte.OPEN_LIST) {
            state = S.Item;
            afterComma = false;
            break;
          }
          junkLine = line;
          break;
      }
    }
    if (state === S.In) keep(buf.subarray(itemStart), true);
    offset += buf.length;
    if (out.length) yield out;
  }
  // Records at an end without "]" are open (source.ts): the file may still be being written, so no
  // checkpoint counts them and the next run reads them again from where they start.
  const unclosed = (next: ReadPosition): SourceRecord => ({ line, next, raw: Buffer.alloc(0), error: 'the file ends before the array\'s closing "]" (the items before were read)', open: true });
  // Its resume position is the file's end: what follows the last "]" is never read again.
  if (junkLine !== undefined) yield [{ line: junkLine, next: { offset, line: line - 1, item, past: true }, raw: Buffer.alloc(0), error: 'text after the closing "]" of the array (ignored)' }];
  if (state === S.In) {
    // A whole object before the end is kept (a message is an object: it cannot be a cut-off prefix).
    const rec = { ...finish({ offset, line, item: 0 }, true), next: itemFrom, open: true };
    const whole = depth === 0 && !inString && rec.value !== null && typeof rec.value === 'object';
    if (whole && !parse) delete rec.value;
    yield whole ? [rec, unclosed(itemFrom)] : [{ ...rec, value: undefined, error: 'the file ends inside this item' }];
  } else if (state === S.Open) {
    throw new InputError(`${path} is empty: a JSON array of messages starts with "[".`);
  } else if ((state as S) !== S.Done) {
    yield [unclosed({ offset, line, item })];
  }
}
