import { VERSION } from '../../version.js';
import { ByteArena, type Span } from './arena.js';

export const LIBRARY = { name: 'segment-router', version: VERSION };

/**
 * A message serialised once: its JSON as the caller gave it, encoded to UTF-8 once into the call's
 * arena (`span`), plus where context.library goes into those bytes. What the router assigns per call
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

/** A message's JSON as given, and where it lies once encoded. */
export interface Given {
  text: string;
  span: Span;
}

/** Encodes a message's JSON into `arena` (followed by a newline, so the arena's bytes keep messages apart). */
export function encodeGiven(arena: ByteArena, text: string): Given {
  return { text, span: arena.add(text, Buffer.byteLength(text), 0x0a) };
}

/**
 * Where context.library goes into the message's JSON, as Segment's libraries add it: last in
 * context, and context last when the message had none. The message is the caller's: it is never
 * copied or changed. Copying each message to add one field cost more than the serialisation itself.
 * Answers a character position and the text to insert there, or the whole JSON of a copy when the
 * position cannot be told (the message's context repeated verbatim deeper in the message).
 */
function libraryInsert(message: Record<string, unknown>, given: string): { at: number; text: string } | { copy: string } {
  const context = message.context as Record<string, unknown> | undefined;
  if (context === undefined) return { at: given.length - 1, text: `${given.length > 2 ? ',' : ''}"context":{"library":${LIBRARY_JSON}}` };
  if (context.library) return { at: given.length - 1, text: '' };
  // The message's own context member is `"context":` + its JSON, verbatim; such text cannot occur inside
  // a JSON string (its quotes are escaped). Found once, it is that member; else the copy decides.
  const member = CONTEXT_KEY + JSON.stringify(context);
  const at = given.indexOf(member);
  if (at !== -1 && given.indexOf(member, at + 1) === -1) {
    return { at: at + member.length - 1, text: `${member.length > CONTEXT_KEY.length + 2 ? ',' : ''}"library":${LIBRARY_JSON}` };
  }
  return { copy: JSON.stringify({ ...message, context: { ...context, library: LIBRARY } }) };
}

/**
 * `message` has passed the tool's schema: an object whose context, when present, is an object.
 * `given` is its JSON already encoded (a batch encodes every message first); else it is encoded here.
 */
export function serialise(message: Record<string, unknown>, index: number, given: Given = encodeGiven(new ByteArena(), JSON.stringify(message))): SerialisedMessage {
  const givenBytes = given.span.end - given.span.start;
  const insert = libraryInsert(message, given.text);
  let span = given.span;
  let libraryAt: number;
  let library: string;
  if ('copy' in insert) {
    // Rare: the copy's own bytes are sent, measured as they are.
    span = encodeGiven(new ByteArena(), insert.copy).span;
    libraryAt = 0;
    library = '';
  } else {
    // Byte offset of the insertion: the character offset for ASCII text (the usual case).
    libraryAt = givenBytes === given.text.length ? insert.at : Buffer.byteLength(given.text.slice(0, insert.at));
    library = insert.text;
  }
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

/** Writes the final message into `target` at `offset`; returns the offset after it. */
export function writeMessage(m: SerialisedMessage, prefix: string, now: string, target: Buffer, offset: number): number {
  const { block, start, end } = m.span;
  // The given bytes, the library spliced in, and everything up to (not including) the closing brace.
  if (m.library) {
    offset += block.copy(target, offset, start, start + m.libraryAt);
    offset += target.write(m.library, offset, 'latin1');
    offset += block.copy(target, offset, start + m.libraryAt, end - 1);
  } else offset += block.copy(target, offset, start, end - 1);
  const suffix = suffixOf(m, prefix, now);
  if (suffix) offset += target.write(suffix, offset, 'latin1');
  target[offset++] = 0x7d; // }
  return offset;
}
