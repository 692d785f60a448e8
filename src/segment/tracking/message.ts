import { VERSION } from '../../version.js';
import { writeDigits } from '../../util/json-bytes.js';

export const LIBRARY = { name: 'segment-router', version: VERSION };

/** Where one message's JSON as given lies, in UTF-8: `block[start, end)`. */
export interface Span {
  block: Buffer;
  start: number;
  end: number;
}

/**
 * A message serialised once: its JSON as the caller gave it, encoded to UTF-8 once (a batch encodes
 * all its messages into one buffer, `span`), plus where context.library goes into those bytes. What the router assigns per call
 * (messageId, default timestamp) is added as a short ASCII suffix before the closing brace when the
 * request body is assembled. So the bytes that were measured are the bytes that are sent, and a repeat
 * of the same call has the same bytes.
 */
export interface SerialisedMessage {
  /** Position in the caller's list. */
  index: number;
  /** The message's JSON as given, ending in `}`. */
  span: Span;
  /** Byte offset in the span where `library` goes in. */
  libraryAt: number;
  /** `context.library` as JSON text to insert (ASCII), or '' when the message brings its own library. */
  library: string;
  givenId?: string;
  needsTimestamp: boolean;
  /** Final size in UTF-8 bytes once the suffix is in (the suffix's length depends only on the index). */
  bytes: number;
  /** Size of the message as the caller gave it (its JSON, without the context.library the router adds). */
  givenBytes: number;
}

/** `sr-` + a UUID + `-`: every router-assigned id prefix has this length, so sizes are known before it is chosen. */
export const ID_PREFIX_LENGTH = 40;
const TIMESTAMP_SUFFIX = ',"timestamp":""'.length + 24;
const ID_SUFFIX = ',"messageId":""'.length + ID_PREFIX_LENGTH;
const LIBRARY_JSON = JSON.stringify(LIBRARY);
const CONTEXT_KEY = '"context":';
/** The four texts that put context.library in (after other members or first; a new context or into one): made once. */
const NEW_CONTEXT = [`"context":{"library":${LIBRARY_JSON}}`, `,"context":{"library":${LIBRARY_JSON}}`] as const;
const INTO_CONTEXT = [`"library":${LIBRARY_JSON}`, `,"library":${LIBRARY_JSON}`] as const;
/** The most bytes context.library adds to a message's JSON (a new context after other members; ASCII). */
export const LIBRARY_TEXT_BYTES = NEW_CONTEXT[1].length;

/** One message's JSON, encoded into a buffer of its own. */
export function spanOf(text: string): Span {
  const block = Buffer.from(text);
  return { block, start: 0, end: block.length };
}

/**
 * Where context.library goes into the message's JSON bytes, as Segment's libraries add it: last in
 * context, and context last when the message had none. The message is the caller's: it is never
 * copied or changed. Copying each message to add one field cost more than the serialisation itself.
 * Answers a byte offset in the span and the text to insert there, or the whole JSON of a copy when the
 * position cannot be told (the message's context repeated verbatim deeper in the message).
 */
function libraryInsert(message: Record<string, unknown>, span: Span): { at: number; text: string } | { copy: string } {
  const length = span.end - span.start;
  const context = message.context as Record<string, unknown> | undefined;
  if (context === undefined) return { at: length - 1, text: NEW_CONTEXT[emptyObject(span) ? 0 : 1] };
  if (context.library) return { at: length - 1, text: '' };
  // The message's own context member is `"context":` + its JSON, verbatim; such text cannot occur inside
  // a JSON string (its quotes are escaped), and UTF-8 bytes match where the text does. Found once, and
  // in the message itself (not in a value nested in it: the bytes a client wrote may spell the real
  // member otherwise, with spaces say), it is that member; else the copy decides.
  const member = CONTEXT_KEY + JSON.stringify(context);
  const own = span.block.subarray(span.start, span.end);
  const at = own.indexOf(member);
  if (at !== -1 && own.indexOf(member, at + 1) === -1 && depthAt(own, at) === 1) {
    return { at: at + Buffer.byteLength(member) - 1, text: INTO_CONTEXT[member.length > CONTEXT_KEY.length + 2 ? 1 : 0] };
  }
  return { copy: JSON.stringify({ ...message, context: { ...context, library: LIBRARY } }) };
}

/** Whether the JSON object in `span` has no members: `{}`, spaces allowed (a client's bytes may have them). */
function emptyObject({ block, start, end }: Span): boolean {
  let at = end - 2;
  while (at > start && (block[at] === 0x20 || block[at] === 0x0a || block[at] === 0x0d || block[at] === 0x09)) at--;
  return at === start;
}

/** How many objects and lists are open at byte `at` of one JSON value's bytes (strings skipped). */
function depthAt(json: Buffer, at: number): number {
  let depth = 0;
  for (let i = 0; i < at; i++) {
    const b = json[i]!;
    if (b === 0x22) {
      for (i++; i < at && json[i] !== 0x22; i++) if (json[i] === 0x5c) i++;
    } else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) depth--;
  }
  return depth;
}

/**
 * `message` has passed the tool's schema: an object whose context, when present, is an object.
 * `span` is its JSON as given, already encoded (a batch encodes every message first); else it is encoded here.
 */
export function serialise(message: Record<string, unknown>, index: number, span: Span = spanOf(JSON.stringify(message))): SerialisedMessage {
  const givenBytes = span.end - span.start;
  const insert = libraryInsert(message, span);
  let libraryAt = 0;
  let library = '';
  // Rare: a copy's own bytes are sent, measured as they are.
  if ('copy' in insert) span = spanOf(insert.copy);
  else ({ at: libraryAt, text: library } = insert);
  const givenId = typeof message.messageId === 'string' ? message.messageId : undefined;
  const needsTimestamp = typeof message.timestamp !== 'string';
  const coreBytes = span.end - span.start + library.length; // the library text is ASCII
  const bytes = coreBytes + (needsTimestamp ? TIMESTAMP_SUFFIX : 0) + (givenId ? 0 : ID_SUFFIX + String(index).length);
  return { index, span, libraryAt, library, givenId, needsTimestamp, bytes, givenBytes };
}

/** The message's JSON with context.library, as text (for tests and dry runs: sending copies bytes). */
export function coreText(m: SerialisedMessage): string {
  const { block, start, end } = m.span;
  return block.toString('utf8', start, start + m.libraryAt) + m.library + block.toString('utf8', start + m.libraryAt, end);
}

export const messageIdOf = (m: SerialisedMessage, prefix: string): string => m.givenId ?? prefix + m.index;

/** What goes before the closing brace: the default timestamp and the assigned id, when needed. */
export function suffixOf(m: SerialisedMessage, prefix: string, now: string): string {
  let s = m.needsTimestamp ? `,"timestamp":"${now}"` : '';
  if (!m.givenId) s += `,"messageId":"${prefix}${m.index}"`;
  return s;
}

/**
 * The fixed pieces a body is made of, encoded once per call (prefix and timestamp) or once per process
 * (the library texts), not once per message: writing short strings into a buffer message by message
 * cost more than copying the messages themselves.
 */
let pieces: { prefix: string; now: string; timestamp: Buffer; id: Buffer } | undefined;
const libraryBytes = new Map<string, Buffer>([...NEW_CONTEXT, ...INTO_CONTEXT].map((t) => [t, Buffer.from(t, 'latin1')]));

function piecesFor(prefix: string, now: string) {
  if (pieces?.prefix !== prefix || pieces.now !== now) {
    pieces = { prefix, now, timestamp: Buffer.from(`,"timestamp":"${now}"`, 'latin1'), id: Buffer.from(`,"messageId":"${prefix}`, 'latin1') };
  }
  return pieces;
}

function libraryOf(text: string): Buffer {
  let b = libraryBytes.get(text);
  if (!b) libraryBytes.set(text, (b = Buffer.from(text, 'latin1')));
  return b;
}

/**
 * Copies `block[start, end)` into `target` at `offset`; returns the offset after it. TypedArray `set`
 * from a view: Buffer's `copy` costs a call into C++ per message, more than the copy of a message itself.
 */
function put(block: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  if (end > start) target.set(new Uint8Array(block.buffer, block.byteOffset + start, end - start), offset);
  return offset + Math.max(0, end - start);
}

/** Writes the final message into `target` at `offset`; returns the offset after it. */
export function writeMessage(m: SerialisedMessage, prefix: string, now: string, target: Buffer, offset: number): number {
  const { block, start, end } = m.span;
  // The given bytes, the library spliced in, and everything up to (not including) the closing brace.
  if (m.library) {
    offset = put(block, start, start + m.libraryAt, target, offset);
    const library = libraryOf(m.library);
    target.set(library, offset);
    offset += library.length;
    offset = put(block, start + m.libraryAt, end - 1, target, offset);
  } else offset = put(block, start, end - 1, target, offset);
  if (m.needsTimestamp || !m.givenId) {
    const { timestamp, id } = piecesFor(prefix, now);
    if (m.needsTimestamp) {
      target.set(timestamp, offset);
      offset += timestamp.length;
    }
    if (!m.givenId) {
      target.set(id, offset);
      offset = writeDigits(m.index, target, offset + id.length);
      target[offset++] = 0x22; // "
    }
  }
  target[offset++] = 0x7d; // }
  return offset;
}
