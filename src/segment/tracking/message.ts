import { VERSION } from '../../version.js';

export const LIBRARY = { name: 'segment-router', version: VERSION };

/**
 * A validated message, serialised once. `core` is the message as the caller gave it plus
 * context.library; what the router assigns per call (messageId, default timestamp) is added as a
 * short ASCII suffix before the closing brace when the request body is assembled. So the bytes that
 * were measured are the bytes that are sent, and a repeat of the same call has the same `core`.
 */
export interface SerialisedMessage {
  /** Position in the caller's list. */
  index: number;
  /**
   * JSON of the message, ending in `}`. A string, not a Buffer: it is encoded once, straight into the
   * request body, and a batch of 25,000 strings is far lighter on the garbage collector than 25,000 Buffers.
   */
  core: string;
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

/**
 * The message's JSON with context.library added as Segment's libraries add it (last in context, and
 * context last when the message had none). The message is the caller's: it is never copied or changed;
 * the library goes into the JSON text. Copying each message to add one field cost more than the
 * serialisation itself.
 */
function withLibrary(message: Record<string, unknown>, given: string): string {
  const context = message.context as Record<string, unknown> | undefined;
  if (context === undefined) return `${given.slice(0, -1)}${given.length > 2 ? ',' : ''}"context":{"library":${LIBRARY_JSON}}}`;
  if (context.library) return given;
  // The message's own context member is `"context":` + its JSON, verbatim; such text cannot occur inside
  // a JSON string (its quotes are escaped). Found once, it is that member; else (a nested member with
  // the very same context) the copy below decides.
  const member = CONTEXT_KEY + JSON.stringify(context);
  const at = given.indexOf(member);
  if (at !== -1 && given.indexOf(member, at + 1) === -1) {
    const close = at + member.length - 1;
    return `${given.slice(0, close)}${member.length > CONTEXT_KEY.length + 2 ? ',' : ''}"library":${LIBRARY_JSON}${given.slice(close)}`;
  }
  return JSON.stringify({ ...message, context: { ...context, library: LIBRARY } });
}

/** `message` has passed the tool's schema: an object whose context, when present, is an object. */
export function serialise(message: Record<string, unknown>, index: number): SerialisedMessage {
  const given = JSON.stringify(message);
  const core = withLibrary(message, given);
  const givenId = typeof message.messageId === 'string' ? message.messageId : undefined;
  const needsTimestamp = typeof message.timestamp !== 'string';
  const givenBytes = Buffer.byteLength(given);
  // The library's bytes are ASCII: the difference in characters is the difference in bytes.
  const coreBytes = givenBytes + core.length - given.length;
  const bytes = coreBytes + (needsTimestamp ? TIMESTAMP_SUFFIX : 0) + (givenId ? 0 : ID_SUFFIX + String(index).length);
  return { index, core, givenId, needsTimestamp, bytes, givenBytes };
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
  const suffix = suffixOf(m, prefix, now);
  offset += target.write(m.core, offset, 'utf8');
  if (!suffix) return offset;
  // Over the closing brace: the suffix, then the brace again.
  offset += target.write(suffix, offset - 1, 'latin1') - 1;
  target[offset++] = 0x7d; // }
  return offset;
}
