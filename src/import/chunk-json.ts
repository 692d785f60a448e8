import { registerRawList } from '../util/raw-json.js';
import { isSpace, JsonByte } from '../util/json-bytes.js';

/**
 * A chunk's messages as the JSON list a SEGMENT_BATCH call would be serialised to, built from each
 * record's own bytes with what the import filled in (type, timestamp, messageId) put in before the
 * closing brace, where JSON.stringify of the filled-in record puts them too. The list is registered
 * with its bytes (util/raw-json.ts), so the call measures and sends them instead of serialising and
 * encoding its messages again: that was a sixth of an import's CPU time.
 *
 * Only records that are JSON objects as written (NDJSON lines, items of a JSON array) have such bytes.
 * The call checks what JSON.parse read; a record whose bytes could be read otherwise (a repeated key)
 * is still serialised from what was checked (segment/tracking/batch-feed.ts).
 */

/** What the import filled in for one message, as bits. */
export const FILLED_TYPE = 1;
export const FILLED_TIMESTAMP = 2;
export const FILLED_ID = 4;

/** The texts the import puts in, made once per run: `"type":"track"`, `"timestamp":"..."`, `"messageId":`. */
export class FillTexts {
  readonly type: Buffer;
  readonly timestamp: Buffer;
  readonly idHead = Buffer.from('"messageId":"');

  constructor(type: string | undefined, timestamp: string | undefined) {
    this.type = Buffer.from(type === undefined ? '' : `"type":${JSON.stringify(type)}`);
    this.timestamp = Buffer.from(timestamp === undefined ? '' : `"timestamp":${JSON.stringify(timestamp)}`);
  }

  /**
   * Bytes a record takes in the list: its own up to its closing brace, and the members filled in with
   * their commas. `id` is the assigned messageId, ASCII with nothing to escape (import/ids.ts).
   */
  size(raw: Buffer, filled: number, id: string | undefined): number {
    const end = objectEnd(raw);
    if (!filled) return end;
    let n = end;
    let pieces = 0;
    if (filled & FILLED_TYPE) (n += this.type.length), pieces++;
    if (filled & FILLED_TIMESTAMP) (n += this.timestamp.length), pieces++;
    if (filled & FILLED_ID) (n += this.idHead.length + id!.length + 1), pieces++;
    return n + (emptyObject(raw, end) ? pieces - 1 : pieces);
  }
}

/** The record's bytes without the spaces a JSON array item may have after it: ends in `}`. */
function objectEnd(raw: Buffer): number {
  let end = raw.length;
  while (end > 0 && isSpace(raw[end - 1])) end--;
  return end;
}

/** Whether the object in raw[0, end) has no members: `{}`, spaces allowed. */
function emptyObject(raw: Buffer, end: number): boolean {
  let at = 1;
  while (at < end && isSpace(raw[at])) at++;
  return at === end - 1;
}

/** Writes `piece` at `at`, after a comma unless it is the object's first member; the offset after it. */
function member(out: Buffer, at: number, piece: Buffer, first: boolean): number {
  if (!first) out[at++] = JsonByte.COMMA;
  out.set(piece, at);
  return at + piece.length;
}

/**
 * The list `[m0,m1,...]` of the messages' JSON, `bytes` long (what `FillTexts.size` said of each record,
 * plus the brackets and commas), registered as what `messages` was read from. Answers false when the
 * bytes cannot stand for the list (not valid UTF-8, say): the call then serialises the messages
 * itself, as for any caller.
 */
export function registerChunkJson(messages: Record<string, unknown>[], raws: Buffer[], filled: number[], texts: FillTexts, bytes: number): boolean {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  out[at++] = JsonByte.OPEN_LIST;
  for (let i = 0; i < messages.length; i++) {
    if (i) out[at++] = JsonByte.COMMA;
    const raw = raws[i]!;
    const end = objectEnd(raw);
    const f = filled[i]!;
    if (!f) {
      out.set(raw.subarray(0, end), at);
      at += end;
      continue;
    }
    let first = emptyObject(raw, end);
    out.set(raw.subarray(0, end - 1), at);
    at += end - 1;
    if (f & FILLED_TYPE) (at = member(out, at, texts.type, first)), (first = false);
    if (f & FILLED_TIMESTAMP) (at = member(out, at, texts.timestamp, first)), (first = false);
    if (f & FILLED_ID) {
      at = member(out, at, texts.idHead, first);
      at += out.write(messages[i]!.messageId as string, at, 'latin1');
      out[at++] = JsonByte.QUOTE;
    }
    out[at++] = JsonByte.CLOSE_OBJECT;
  }
  out[at++] = JsonByte.CLOSE_LIST;
  if (at !== bytes) throw new Error(`a chunk's JSON is ${at} bytes, expected ${bytes}`);
  return registerRawList(messages, out);
}
