import { standIn } from '../util/deferred-list.js';
import { isSpace, JsonByte } from '../util/json-bytes.js';

/**
 * A chunk's messages as the JSON list a SEGMENT_BATCH call would be serialised to, built record by
 * record from each record's own bytes, with what the import filled in (type, timestamp, messageId) put
 * in before the closing brace, where JSON.stringify of the filled-in record puts them too. The call
 * gets the list unparsed (util/deferred-list.ts): it measures and sends these bytes, and parses each
 * message only when it checks it, so no parsed message lives while the call waits for Segment. A
 * message parsed early lived through several garbage collections, each copying it.
 *
 * Only records that are JSON objects as written (NDJSON lines, items of a JSON array) have such bytes.
 * The call checks what JSON.parse reads of them; a record whose bytes could be read otherwise (a
 * repeated key) is still serialised from what was checked (segment/tracking/batch-feed.ts).
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
}

/** The record's bytes without the spaces a JSON array item may have after it: ends in `}`. */
export function objectEnd(raw: Buffer): number {
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

/** Object members (`key: value` pairs, at any depth) in JSON bytes that JSON.parse accepts: colons outside strings. */
export function membersIn(raw: Buffer, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const b = raw[i];
    if (b === JsonByte.QUOTE) {
      for (i++; i < end && raw[i] !== JsonByte.QUOTE; i++) if (raw[i] === JsonByte.BACKSLASH) i++;
    } else if (b === JsonByte.COLON) n++;
  }
  return n;
}

/** Members the import adds to a record: one per bit. */
export const filledCount = (filled: number): number => (filled & 1) + ((filled >> 1) & 1) + ((filled >> 2) & 1);

/**
 * The list `[m0,m1,...]` being written. `add` puts a record in; `list` closes it and answers the array
 * that stands for it. The buffer may be one a settled chunk gave back (`buffer`): written over, never
 * read past what was written.
 */
export class ChunkList {
  private out: Buffer;
  private at = 1;
  private count = 0;
  private starts: Int32Array;
  private ends: Int32Array;
  private members: Int32Array;
  /** Where each record's own bytes stop in its element: before the closing brace when something was filled in. */
  private own: Int32Array;
  /** Records whose element is not their bytes (`addJson`): those bytes, by index. */
  private readonly written = new Map<number, Buffer>();
  private identified = true;
  /** Some record brought its own messageId: the call looks for repeats (ids the import made are distinct). */
  private ownIds = false;

  constructor(
    private readonly texts: FillTexts,
    buffer?: Buffer,
    messages = 1_000,
  ) {
    this.out = buffer ?? Buffer.allocUnsafe(64 * 1024);
    this.out[0] = JsonByte.OPEN_LIST;
    this.starts = new Int32Array(messages);
    this.ends = new Int32Array(messages);
    this.members = new Int32Array(messages);
    this.own = new Int32Array(messages);
  }

  /** The buffer written into, to be given to a later chunk once this one's call has been answered. */
  get buffer(): Buffer {
    return this.out;
  }

  get length(): number {
    return this.count;
  }

  /** Bytes of the list written so far, its closing `]` included. */
  get bytes(): number {
    return this.at + 1;
  }

  /**
   * A record's bytes, `raw[0, end)` ending in `}`, with what `filled` says was filled in (`id`: the
   * assigned messageId, ASCII with nothing to escape: import/ids.ts). `members`: the members of the
   * record as written; `identified`: whether the message brings, or now has, one string messageId and
   * one string timestamp (the call then assigns nothing).
   */
  add(raw: Buffer, end: number, filled: number, id: string | undefined, members: number, identified: boolean): void {
    const { texts } = this;
    let size = end + 1;
    if (filled & FILLED_TYPE) size += texts.type.length + 1;
    if (filled & FILLED_TIMESTAMP) size += texts.timestamp.length + 1;
    if (filled & FILLED_ID) size += texts.idHead.length + id!.length + 2;
    const out = this.room(size);
    let at = this.at;
    if (this.count) out[at++] = JsonByte.COMMA;
    const start = at;
    let own: number;
    if (!filled) {
      at += raw.copy(out, at, 0, end);
      own = at;
    } else {
      let first = emptyObject(raw, end);
      at += raw.copy(out, at, 0, end - 1);
      own = -at;
      if (filled & FILLED_TYPE) (at = member(out, at, texts.type, first)), (first = false);
      if (filled & FILLED_TIMESTAMP) (at = member(out, at, texts.timestamp, first)), (first = false);
      if (filled & FILLED_ID) {
        at = member(out, at, texts.idHead, first);
        at += out.write(id!, at, 'latin1');
        out[at++] = JsonByte.QUOTE;
      }
      out[at++] = JsonByte.CLOSE_OBJECT;
    }
    if (!(filled & FILLED_ID)) this.ownIds = true;
    this.place(start, at, own, members + filledCount(filled), identified);
  }

  /** A message that cannot be sent as written (`raw`: bytes that are not valid UTF-8): its JSON, as the call would write it. */
  addJson(raw: Buffer, json: Buffer, members: number, identified: boolean, ownId: boolean): void {
    if (ownId) this.ownIds = true;
    const out = this.room(json.length + 1);
    let at = this.at;
    if (this.count) out[at++] = JsonByte.COMMA;
    const start = at;
    at += json.copy(out, at);
    this.written.set(this.count, raw);
    this.place(start, at, at, members, identified);
  }

  /**
   * Record `i` as it was written (without the spaces after a JSON array's item), copied out: for the
   * reject file, once the call has answered. A chunk keeps no record of its own besides its list.
   */
  record(i: number): Buffer {
    const given = this.written.get(i);
    if (given) return given;
    const own = this.own[i]!;
    if (own >= 0) return Buffer.from(this.out.subarray(this.starts[i], own));
    return Buffer.concat([this.out.subarray(this.starts[i], -own), CLOSE]);
  }

  /** The array that stands for the list (util/deferred-list.ts): the call reads message `i` from its bytes when it checks it. */
  list(): unknown[] {
    const out = this.room(1);
    out[this.at] = JsonByte.CLOSE_LIST;
    const n = this.count;
    return standIn({ bytes: out, starts: this.starts.subarray(0, n), ends: this.ends.subarray(0, n), members: this.members.subarray(0, n), start: 0, end: this.at + 1 }, this.identified, !this.ownIds);
  }

  private place(start: number, end: number, own: number, members: number, identified: boolean): void {
    if (this.count === this.starts.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.members = grow(this.members);
      this.own = grow(this.own);
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.members[this.count] = members;
    this.own[this.count] = own;
    this.count++;
    this.at = end;
    if (!identified) this.identified = false;
  }

  /** The buffer, with room for `bytes` more (and a comma) after what was written. */
  private room(bytes: number): Buffer {
    const need = this.at + bytes + 1;
    if (need > this.out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.out.length * 2));
      this.out.copy(bigger, 0, 0, this.at);
      this.out = bigger;
    }
    return this.out;
  }
}

const CLOSE = Buffer.from('}');

/** Writes `piece` at `at`, after a comma unless it is the object's first member; the offset after it. */
function member(out: Buffer, at: number, piece: Buffer, first: boolean): number {
  if (!first) out[at++] = JsonByte.COMMA;
  out.set(piece, at);
  return at + piece.length;
}
