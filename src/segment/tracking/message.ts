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
  /** UTF-8 JSON of the message, ending in `}`. */
  core: Buffer;
  givenId?: string;
  needsTimestamp: boolean;
  /** Final size once the suffix is in (the suffix's length depends only on the index). */
  bytes: number;
  /** Size of the message as the caller gave it (core without the context.library the router added). */
  givenBytes: number;
}

/** `sr-` + a UUID + `-`: every router-assigned id prefix has this length, so sizes are known before it is chosen. */
export const ID_PREFIX_LENGTH = 40;
const TIMESTAMP_SUFFIX = ',"timestamp":""'.length + 24;
const ID_SUFFIX = ',"messageId":""'.length + ID_PREFIX_LENGTH;
const LIBRARY_BYTES = Buffer.byteLength(`"library":${JSON.stringify(LIBRARY)}`);

/** Bytes that adding context.library put into the JSON (0 when the caller gave a library). */
function libraryAdded(context: Record<string, unknown> | undefined): number {
  if (!context) return LIBRARY_BYTES + ',"context":{}'.length;
  return LIBRARY_BYTES + (Object.keys(context).length ? 1 : 0);
}

export function serialise(message: Record<string, unknown>, index: number): SerialisedMessage {
  const context = message.context as Record<string, unknown> | undefined;
  const withLibrary = context?.library ? message : { ...message, context: { ...context, library: LIBRARY } };
  const core = Buffer.from(JSON.stringify(withLibrary));
  const givenId = typeof message.messageId === 'string' ? message.messageId : undefined;
  const needsTimestamp = typeof message.timestamp !== 'string';
  const bytes = core.length + (needsTimestamp ? TIMESTAMP_SUFFIX : 0) + (givenId ? 0 : ID_SUFFIX + String(index).length);
  const givenBytes = core.length - (withLibrary === message ? 0 : libraryAdded(context));
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
  if (!suffix) return offset + m.core.copy(target, offset);
  offset += m.core.copy(target, offset, 0, m.core.length - 1);
  offset += target.write(suffix, offset, 'latin1');
  target[offset++] = 0x7d; // }
  return offset;
}
