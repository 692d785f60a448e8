import { isUtf8 } from 'node:buffer';
import { checkArgumentValues, sentAsWritten } from '../execution/argument-values.js';
import { LIMITS } from '../segment/tracking/delivery.js';
import { LIBRARY_TEXT_BYTES } from '../segment/tracking/message.js';
import type { MessageType } from '../segment/tracking/schemas.js';
import { jsonErrorReason } from '../security/redact.js';
import { plainObject, type PlainObject } from '../util/json-elements.js';
import { memberCount } from '../util/raw-json.js';
import { ChunkList, FILLED_ID, FILLED_TIMESTAMP, FILLED_TYPE, FillTexts, membersIn, objectEnd } from './chunk-json.js';
import { recordMessageId } from './ids.js';
import { placeOf } from './read.js';
import type { Reject } from './reject-file.js';
import { notUtf8, type ReadPosition, type SourceRecord } from './source.js';
import { countText } from '../util/count-text.js';

/**
 * Records turned into chunks of messages, each chunk one SEGMENT_BATCH call's worth: the type, the
 * timestamp and a deterministic messageId filled in where a record has none, and every record that
 * cannot be a message kept back with its reason. Nothing here sends; the runner does (runner.ts).
 */

export interface Chunk {
  /**
   * The messages' JSON list (chunk-json.ts): a JSON record's own bytes, a CSV row's message serialised
   * when it is prepared. Bytes, not objects: a call's messages live until it is answered, and as objects
   * they outlived the young generation (a CSV import promoted ~900 bytes an event: 151-169 MB peak).
   */
  list: ChunkList;
  /** Messages in the chunk. */
  count: number;
  /**
   * Where each message came from: its line, its item in a JSON array (0 for line formats), its bytes.
   * Three lists, not the reader's records: they live as long as the call, and a record object and its
   * resume position per message were most of what a chunk held besides the messages.
   */
  lines: number[];
  items: number[];
  rejects: Reject[];
  /** The rejected records' bytes, held until the chunk settles (they go to the reject file whole). */
  rejectBytes: number;
  /** Values sent but maybe not as meant (an integer past 2^53), each with the first line it was on. */
  warnings: string[];
  /** What the chunk's messages come to: their list as the call sends it (what was filled in and context.library included). */
  bytes: number;
  /** Where a resume starts after this chunk. */
  next: ReadPosition;
  /** Records of the file the chunk covers (messages and rejects). */
  read: number;
  /** The file's open last record alone (source.ts): sent, but no checkpoint counts it. */
  open?: boolean;
}

export interface ChunkPlan {
  /** The file's id context (ids.ts). */
  identity: string;
  /** Call type for records without a `type` field. */
  type?: MessageType;
  /** Timestamp for records without one; absent: such records are rejected. */
  defaultTimestamp?: string;
  /** The texts filled into JSON records' bytes (a CSV row's message is serialised whole). */
  texts: FillTexts;
  chunkMessages: number;
  chunkBytes: number;
  /** A buffer a settled chunk gave back, to write the next list into. */
  spare?: () => Buffer | undefined;
}

/** The chunks of a file's records, in order: full ones, then the last one if it holds anything. */
export async function* chunksOf(batches: AsyncIterable<SourceRecord[]>, plan: ChunkPlan, from: ReadPosition): AsyncGenerator<Chunk> {
  let chunk = fresh(plan, from);
  for await (const batch of batches) {
    for (const rec of batch) {
      if (rec.open && chunk.read) {
        yield chunk;
        chunk = fresh(plan, chunk.next);
      }
      if (rec.open) chunk.open = true;
      chunk.read++;
      chunk.next = rec.next;
      const reason = prepare(rec, chunk, plan);
      if (reason) {
        chunk.rejects.push({ line: rec.line, ...(rec.item !== undefined ? { item: rec.item } : {}), reason, raw: rec.raw });
        chunk.rejectBytes += rec.raw.length;
      }
      // Rejects count too, by number and by size: a file of bad lines (or of lines too large to send) is
      // written to the reject file as it goes, never held whole (600 KB lines held until 2,500 of them).
      if (chunk.count >= plan.chunkMessages || chunk.bytes + chunk.rejectBytes >= plan.chunkBytes || chunk.rejects.length >= plan.chunkMessages) {
        yield chunk;
        chunk = fresh(plan, chunk.next);
      }
    }
  }
  if (chunk.read) yield chunk;
}

function fresh(plan: ChunkPlan, next: ReadPosition): Chunk {
  return { list: new ChunkList(plan.texts, plan.spare?.(), plan.chunkMessages), count: 0, lines: [], items: [], rejects: [], rejectBytes: 0, warnings: [], bytes: 0, next, read: 0 };
}

/** The call's words name a message by its place in the chunk (batch.3.userId); the reject file names the line. */
export function ownReason(reason: string): string {
  return reason.replace(/\bbatch\.\d+(?:: |\.)/g, '');
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A SEGMENT_BATCH call's arguments holding one message: where a record's values are checked when its bytes alone cannot tell. */
const IN_CALL: { batch: unknown[] } = { batch: [undefined] };

export const NO_TYPE = 'no "type": give the record a "type" field (identify, track, page, screen, group, alias), or pass --type for records without one';
const NO_TIMESTAMP = 'no "timestamp": historical data keeps the time it happened; add one (ISO-8601 with a zone), or pass --default-timestamp=now or --default-timestamp=<ISO time> for records without one';
/** A record past Segment's 32 KB as written is refused here, alone: in a call it would make the call too large for any of its messages to go. */
const tooLarge = (bytes: number) => `the record is ${countText(bytes)} bytes; Segment refuses a message over ${countText(LIMITS.messageBytes)} bytes (32 KB): move large values out of properties/traits, or trim them`;

const NOT_OBJECT = 'not a message: each record must be a JSON object such as {"type":"track","userId":"u1","event":"Order Completed","timestamp":"2026-01-31T12:00:00Z"}';

/** What the byte reading of a record found (util/json-elements.ts), reused record after record. */
const SEEN: PlainObject = { members: 0, types: 0, ids: 0, stamps: 0, escapedKey: false, untypedKey: false };

/** Where a record came from, for the call's answers and the reject file. */
function place(rec: SourceRecord, chunk: Chunk): void {
  chunk.count++;
  chunk.lines.push(rec.line);
  chunk.items.push(rec.item ?? 0);
  chunk.bytes = chunk.list.bytes + chunk.count * LIBRARY_TEXT_BYTES;
}

/**
 * A record as a message, added to the chunk; or why it cannot be one. The message is the record with
 * what the import fills in: the call type, the default timestamp, a messageId.
 *
 * A JSON record is read from its bytes without being parsed when they are plain (util/json-elements.ts:
 * JSON.parse accepts them, and none of their values is one the call's value check would refuse or warn
 * about): its top keys tell what to fill in. Any other record is parsed here and its values checked
 * one record at a time, so one broken value rejects its own line and not the whole call. Either way
 * the call gets the bytes and parses each message when it checks it.
 */
function prepare(rec: SourceRecord, chunk: Chunk, plan: ChunkPlan): string | undefined {
  if (rec.error) return rec.error;
  const list = chunk.list;
  // A CSV row comes as a value, made from its cells; it is sent as that value's JSON.
  if (rec.value !== undefined) return prepareValue(rec, rec.value, chunk, plan, true);
  const raw = rec.raw;
  const end = objectEnd(raw);
  // A JSON record is sent as written: its own bytes are its size.
  if (end > LIMITS.messageBytes) return tooLarge(end);
  // Read as UTF-8, other bytes would become U+FFFD: the record would reach Segment changed.
  if (rec.ascii !== true && !isUtf8(raw)) return notUtf8(raw);
  if (plainObject(raw, 0, SEEN) === end && !SEEN.escapedKey) {
    let filled = '';
    let bits = 0;
    if (!SEEN.types) {
      if (!plan.type) return NO_TYPE;
      filled = plan.type;
      bits |= FILLED_TYPE;
    }
    if (!SEEN.stamps) {
      if (!plan.defaultTimestamp) return NO_TIMESTAMP;
      filled += `\n${plan.defaultTimestamp}`;
      bits |= FILLED_TIMESTAMP;
    }
    let id: string | undefined;
    if (!SEEN.ids) {
      id = recordMessageId(plan.identity, rec.item ?? rec.line, raw, filled, rec.ascii);
      bits |= FILLED_ID;
    }
    const identified = !SEEN.untypedKey && SEEN.ids <= 1 && SEEN.stamps <= 1;
    list.add(raw, end, bits, id, SEEN.members, identified);
    place(rec, chunk);
    return undefined;
  }
  let value: unknown;
  try {
    // JSON's own spaces only: bytes sent as written must be JSON (a form feed after an item is not).
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return `not JSON (${jsonErrorReason(err)})`;
  }
  return prepareValue(rec, value, chunk, plan);
}

/**
 * The router's value check (depth, numbers, strings) of one message, at its place in a SEGMENT_BATCH
 * call's arguments, so nesting is counted as the executor counts it for the call; a refusal in the
 * words of a record (no "batch.0", no "Nothing was sent"). `validate` runs it too.
 */
export function checkRecordValues(m: unknown): { error?: string; warnings: string[] } {
  IN_CALL.batch[0] = m;
  const values = checkArgumentValues(IN_CALL);
  IN_CALL.batch[0] = undefined;
  if (!values.error) return { warnings: values.warnings };
  return { error: ownReason(values.error.message.replace(/^Invalid arguments: /, '').replace(/ Nothing was sent\.$/, '')), warnings: values.warnings };
}

/** A record already parsed (a CSV row, or JSON bytes that are not plain): filled in and checked as a value. */
function prepareValue(rec: SourceRecord, m: unknown, chunk: Chunk, plan: ChunkPlan, made = false): string | undefined {
  if (!isObject(m)) return NOT_OBJECT;
  let filled = '';
  let bits = 0;
  if (m.type === undefined) {
    if (!plan.type) return NO_TYPE;
    m.type = plan.type;
    filled = plan.type;
    bits |= FILLED_TYPE;
  }
  if (m.timestamp === undefined) {
    if (!plan.defaultTimestamp) return NO_TIMESTAMP;
    m.timestamp = plan.defaultTimestamp;
    filled += `\n${plan.defaultTimestamp}`;
    bits |= FILLED_TIMESTAMP;
  }
  if (m.messageId === undefined) {
    m.messageId = recordMessageId(plan.identity, rec.item ?? rec.line, rec.raw, filled);
    bits |= FILLED_ID;
  }
  const values = checkRecordValues(m);
  if (values.error) return values.error;
  for (const w of values.warnings) chunk.warnings.push(`${placeOf(rec)}: ${ownReason(made ? w : sentAsWritten(w))}`);
  const list = chunk.list;
  const identified = typeof m.messageId === 'string' && typeof m.timestamp === 'string';
  if (made) {
    // A CSV row's message: what was checked is sent.
    const json = Buffer.from(JSON.stringify(m));
    if (json.length > LIMITS.messageBytes) return tooLarge(json.length);
    list.addJson(rec.raw, json, memberCount(m), identified, !(bits & FILLED_ID));
  } else list.add(rec.raw, objectEnd(rec.raw), bits, bits & FILLED_ID ? (m.messageId as string) : undefined, membersIn(rec.raw, objectEnd(rec.raw)), identified);
  place(rec, chunk);
  return undefined;
}
