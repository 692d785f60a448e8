import { createHash } from 'node:crypto';
import type { MessageGate } from '../../quality/checker.js';
import { ArgumentsError, formatIssues, issueList } from '../../registry/arguments.js';
import { updateWithoutSpace } from '../../util/json-bytes.js';
import { memberCount, rawElementsOf } from '../../util/raw-json.js';
import { deferredOf } from '../../util/deferred-list.js';
import { serialise, type SerialisedMessage } from './message.js';
import type { BatchPacker, Packed } from './packer.js';
import { screen, type Filling } from './quality-gate.js';
import { validateBatchItem } from './schemas.js';
import { countText } from '../../util/count-text.js';

/**
 * A batch call in two passes. The first, over the whole call before anything is sent: each
 * message's JSON as given, encoded once; the per-call byte limit; the fingerprint the delivery journal
 * keys the call by. The second, message by message as requests are packed: the message's schema, the
 * quality gate, its 32 KB limit. A request goes out as soon as its messages have passed, while the
 * next ones are still being checked, so checking a large call overlaps with sending it. Every message
 * is checked before the request that carries it; one that fails is reported by index, never sent.
 */

export interface RejectedMessage {
  index: number;
  messageId?: string;
  reason: string;
  /** Field by field, with paths into the call (batch.3.userId), when the message failed validation. */
  issues?: { field: string; problem: string }[];
  /** Segment's HTTP status for the request that carried it, when it answered one (not accepted). */
  status?: number;
}

/**
 * The first pass: the batch's JSON as given, `[m0,m1,...]`, encoded once into one buffer, and where
 * each message lies in it (`ends[i]` is -1 for a message JSON cannot carry).
 */
export interface EncodedBatch {
  bytes: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  /** The list's own bytes, `[` to `]` (a view into `bytes`): what the journal's fingerprint hashes. */
  list: Buffer;
  /**
   * Set when the bytes are those the list was parsed from (the client's, util/raw-json.ts): each
   * message's object members in its bytes, to tell a repeated key (see `BatchFeed.check`).
   */
  members?: Int32Array;
  /** False when `list` has no whitespace outside strings (as the scan of the client's bytes found); unknown when absent. */
  spaced?: boolean;
  /** Whether the router assigns something (an id or a timestamp) to some message. */
  assigns: boolean;
  /** Message `i` of a list still unparsed (util/deferred-list.ts), parsed when read; else the list's own element. */
  at?: (i: number) => unknown;
  /** Every messageId in the list is known to be distinct (the import made them): no need to look for repeats. */
  distinctIds?: boolean;
}

/** A message whose messageId an earlier message of the same call has: Segment keeps only the first. */
export interface RepeatedId {
  index: number;
  messageId: string;
  first_index: number;
}

/** Repeats listed in an answer at most; the count covers all of them. */
export const MAX_REPEATS_LISTED = 100;

/**
 * Encodes the batch once, and refuses the call when its messages as given come to more than `maxBytes`.
 * A list that came over stdio is not encoded at all: its messages are the bytes the client wrote
 * (util/raw-json.ts). Otherwise one JSON.stringify of the whole list and one encoding: no string and no
 * buffer per message, which for 25,000 messages was most of the garbage collector's work.
 */
export function encodeBatch(batch: unknown[], maxBytes: number): EncodedBatch {
  // A deferred list is never read here (reading it as an array parses it whole): its bytes tell all.
  const lazy = deferredOf(batch);
  const raw = lazy?.raw ?? rawElementsOf(batch);
  let found: Omit<EncodedBatch, 'assigns'>;
  if (raw) found = { bytes: raw.bytes, starts: raw.starts, ends: raw.ends, list: raw.bytes.subarray(raw.start, raw.end), members: raw.members, ...(raw.spaced !== undefined ? { spaced: raw.spaced } : {}) };
  else {
    let whole: string | undefined;
    try {
      whole = JSON.stringify(batch);
    } catch {
      whole = undefined; // a value JSON cannot carry (a BigInt from a script): each message on its own below
    }
    found = whole === undefined ? encodeEach(batch) : split(Buffer.from(whole), batch.length);
  }
  const { starts, ends } = found;
  let callBytes = 0;
  let assigns = lazy ? !lazy.allIdentified : false;
  for (let index = 0; index < batch.length; index++) {
    // The messages' own bytes: the list's brackets and commas are not counted, so the limit reads as the description states it.
    callBytes += ends[index]! < 0 ? 4 : ends[index]! - starts[index]!;
    if (callBytes > maxBytes) {
      const problem = `the messages come to more than ${countText(maxBytes)} bytes of JSON (passed at batch.${index} of ${batch.length}); the limit is ${countText(maxBytes)} bytes per call`;
      const split = `Split the batch into several calls of at most ${countText(maxBytes)} bytes of messages each: batch[0..${index - 1}] fit in one call; send them, then the rest in further calls. Nothing was sent.`;
      throw new ArgumentsError(`The arguments are over the size limit: ${problem}. Nothing was sent.`, [{ field: '(arguments)', problem }], { limit_bytes: maxBytes, first_index_over: index }, split);
    }
    if (lazy) continue;
    const raw = batch[index] as { messageId?: unknown; timestamp?: unknown } | null;
    if (!assigns && (typeof raw?.messageId !== 'string' || typeof raw?.timestamp !== 'string')) assigns = true;
  }
  return { ...found, assigns, ...(lazy ? { at: lazy.at, ...(lazy.distinctIds ? { distinctIds: true } : {}) } : {}) };
}

/** Where each element of a JSON array's bytes starts and ends: one pass, minding strings and nesting. */
function split(bytes: Buffer, count: number): Omit<EncodedBatch, 'assigns'> {
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  if (count === 0) return { bytes, starts, ends, list: bytes };
  let n = 0;
  let depth = 0;
  let start = 1;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x22) {
      // A string: skip to its closing quote, escapes included.
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
    } else if (b === 0x7b || b === 0x5b) depth++;
    else if ((b === 0x7d || b === 0x5d) && depth > 0) depth--;
    else if (depth === 0 && (b === 0x2c || b === 0x5d)) {
      if (n < count) {
        starts[n] = start;
        ends[n] = i;
      }
      n++;
      start = i + 1;
    }
  }
  if (n !== count) throw new Error(`the batch's JSON has ${n} elements, expected ${count}`);
  return { bytes, starts, ends, list: bytes };
}

/** The same bytes, message by message: for a batch with a value JSON.stringify refuses. */
function encodeEach(batch: unknown[]): Omit<EncodedBatch, 'assigns'> {
  const texts = batch.map((m) => {
    try {
      return JSON.stringify(m) as string | undefined;
    } catch {
      return undefined;
    }
  });
  const bytes = Buffer.from(`[${texts.map((t) => t ?? 'null').join(',')}]`);
  const starts = new Int32Array(batch.length);
  const ends = new Int32Array(batch.length);
  let at = 1;
  texts.forEach((t, i) => {
    const size = Buffer.byteLength(t ?? 'null');
    starts[i] = at;
    ends[i] = t === undefined ? -1 : at + size;
    at += size + 1;
  });
  return { bytes, starts, ends, list: bytes };
}

/** The journal's key for a batch: its envelope and its messages' bytes as given, in order. */
export function batchFingerprint(kind: string, encoded: EncodedBatch): string | undefined {
  if (!encoded.assigns) return undefined;
  const hash = createHash('sha256').update(kind).update('\n');
  // The client's bytes hash as their JSON does: a repeat spaced otherwise is the same call. Bytes
  // known to have no space outside strings hash whole (the same digest, without a walk per byte).
  if (encoded.members && encoded.spaced !== false) updateWithoutSpace(hash, encoded.list);
  else hash.update(encoded.list);
  return hash.digest('base64url');
}

export interface FeedOptions {
  batch: unknown[];
  encoded: EncodedBatch;
  packer: BatchPacker;
  gate?: MessageGate;
  filling: Filling;
  /** Merged into each message for the checks, as Segment merges it. */
  batchContext?: Record<string, unknown>;
  /** The largest message a request can carry. */
  maxMessageBytes: number;
  messageLimitText: string;
}

/** The second pass: checks messages in order and packs them into requests, one request at a time. */
export class BatchFeed {
  /** Messages kept back so far, in index order. */
  readonly rejected: RejectedMessage[] = [];
  /** Messages sent with the messageId of an earlier one (the first MAX_REPEATS_LISTED), and how many in all. */
  readonly repeatedIds: RepeatedId[] = [];
  repeatedCount = 0;
  /** Messages that came with a sentAt of their own, sent without it. */
  sentAtLeftOut = 0;
  /** The index of the first message sent with each messageId the caller gave. */
  private readonly firstWithId = new Map<string, number>();
  private cursor = 0;
  /** A message that did not fit the previous request: the first of the next. */
  private carry?: SerialisedMessage;
  /** Requests packed ahead (to show a dry run, or to know that the call has something to send). */
  private readonly ready: Packed[] = [];

  constructor(private readonly o: FeedOptions) {}

  /** Messages read so far (sent, to be sent, or kept back). */
  get read(): number {
    return this.cursor;
  }

  /** Whether some message can be sent: checks messages until one passes, or all were read. */
  hasAny(): boolean {
    if (!this.ready.length) {
      const p = this.pack();
      if (p) this.ready.push(p);
    }
    return this.ready.length > 0;
  }

  /** The next request's messages, in order; undefined when every message has been read. */
  next(): Packed | undefined {
    return this.ready.shift() ?? this.pack();
  }

  /** Every request still to go (a dry run shows them all); sending then takes them in order. */
  all(): Packed[] {
    for (let p = this.pack(); p; p = this.pack()) this.ready.push(p);
    return [...this.ready];
  }

  private pack(): Packed | undefined {
    const { packer, batch } = this.o;
    if (this.carry) {
      packer.tryAdd(this.carry); // a message within maxMessageBytes always fits an empty request
      this.carry = undefined;
    }
    while (this.cursor < batch.length) {
      const m = this.check(this.cursor++);
      if (!m) continue;
      if (!packer.tryAdd(m)) {
        this.carry = m;
        return packer.take();
      }
    }
    return packer.take();
  }

  /** One message: the schema, the quality gate, its size. Kept back with its reason, or serialised. */
  private check(index: number): SerialisedMessage | undefined {
    const { batch, encoded, gate, filling, batchContext } = this.o;
    const raw = encoded.at ? encoded.at(index) : batch[index];
    const parsed = validateBatchItem(raw);
    if (!parsed.success) {
      const given = (raw as { messageId?: unknown } | null)?.messageId;
      // Paths name the message in the call (batch.3.userId), as a whole-call validation error would.
      const issues = parsed.issues.map((i) => ({ ...i, path: ['batch', index, ...i.path] }));
      this.rejected.push({ index, messageId: typeof given === 'string' ? given : undefined, reason: formatIssues(issues), issues: issueList(issues) });
      return undefined;
    }
    // Valid, so the message as given is what is checked and serialised: the schema's copy of it is not needed.
    const data = raw as Record<string, unknown>;
    const messageId = typeof data.messageId === 'string' ? data.messageId : undefined;
    const end = encoded.ends[index]!;
    if (end < 0) {
      const reason = 'a value in the message cannot be written as JSON (for example a BigInt); send numbers, strings, booleans, null, objects and arrays only';
      this.rejected.push({ index, messageId, reason, issues: [{ field: `batch.${index}`, problem: reason }] });
      return undefined;
    }
    // Object.assign, not a spread that overrides context: that makes a slow dictionary object. The
    // contexts are merged by spreading: Object.assign would make a "__proto__" member (JSON.parse keeps
    // it as one, and it is sent as one) the copy's prototype, out of the checks' sight.
    const checked = gate && batchContext ? Object.assign({}, data, { context: { ...batchContext, ...(data.context as Record<string, unknown> | undefined) } }) : data;
    const kept = screen(gate, index, String(data.type), checked, filling, `batch.${index}.`);
    if (kept) {
      this.rejected.push({ index, messageId, reason: kept.reason, issues: kept.issues });
      return undefined;
    }
    // A message's own sentAt is not sent: the request carries its send time, and Segment stores
    // receivedAt - (sentAt - timestamp), so an old one (an archive's record) would move the message to
    // about the time it arrived. Such a message is serialised without it.
    if (Object.hasOwn(data, 'sentAt')) {
      const { sentAt: _notSent, ...sent } = data;
      const m = this.sized(serialise(sent, index), index);
      if (m) this.sentAtLeftOut++;
      return m;
    }
    // The client's bytes stand for the checked message unless the message repeats a key: JSON.parse
    // kept the last value, and another reader of the bytes could take the first. Such a message is
    // serialised from what was checked.
    const m = encoded.members && memberCount(data) !== encoded.members[index] ? serialise(data, index) : serialise(data, index, { block: encoded.bytes, start: encoded.starts[index]!, end });
    return this.sized(m, index, encoded.members ? data : undefined);
  }

  /**
   * The message if it is within the size limit, else kept back. `checked`: the message as checked, when
   * `m` is the client's own bytes (their spelling may be what makes them too long).
   */
  private sized(m: SerialisedMessage, index: number, checked?: Record<string, unknown>): SerialisedMessage | undefined {
    const { encoded } = this.o;
    // The client's spelling can be longer than JSON's own (a \u escape for every character that is not
    // ASCII, as Python writes by default): over the limit as written, the message is written from what
    // was checked, and measured again, as if the call had come without its bytes.
    if (m.bytes > this.o.maxMessageBytes && checked) m = serialise(checked, index);
    if (m.bytes > this.o.maxMessageBytes) {
      const reason = `message is ${m.bytes} bytes; the limit is ${this.o.messageLimitText}`;
      this.rejected.push({ index, messageId: m.givenId, reason, issues: [{ field: `batch.${index}`, problem: reason }] });
      return undefined;
    }
    if (m.givenId !== undefined && !encoded.distinctIds) this.noteId(m.givenId, index);
    return m;
  }

  /** Segment drops a message whose messageId it has seen: a second event given the same id is lost. */
  private noteId(messageId: string, index: number): void {
    const first = this.firstWithId.get(messageId);
    if (first === undefined) {
      this.firstWithId.set(messageId, index);
      return;
    }
    if (++this.repeatedCount <= MAX_REPEATS_LISTED) this.repeatedIds.push({ index, messageId, first_index: first });
  }
}
