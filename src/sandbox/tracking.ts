import { oneLine } from '../util/printable.js';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The Tracking API as Segment runs it (docs/segment-facts.md), quirks included:
 * 200 for any write key, 400 only for invalid JSON or an oversized payload. After the 200, messages are
 * dropped as Segment drops them: a write key no source has (or none), no userId or anonymousId, no name
 * or id the call needs (track's event, group's groupId, alias's previousId and userId), past 2,500 in
 * a batch, and a messageId the same write key sent before (Segment drops repeats for about 24 hours;
 * the sandbox, for as long as it keeps its events).
 */

export const SANDBOX_LIMITS = { messageBytes: 32 * 1024, batchBytes: 500 * 1024, batchMessages: 2_500 };

const CALLS = new Set(['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch', 'import']);

export interface TrackingRecord {
  receivedAt: string;
  type: string;
  messageId?: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  /** When the sender says it sent the message: its own sentAt, else its request's (a batch's, for each of its messages). */
  sentAt?: string;
  /**
   * The time Segment would store (its spec): receivedAt - (sentAt - the timestamp given); the timestamp
   * given when there is no sentAt; receivedAt when there is no timestamp. A sentAt from long ago makes it
   * about receivedAt: the message's own time is lost.
   */
  timestamp?: string;
  /** Which write key sent it (the last 4 characters only: the sandbox shows nothing more). */
  writeKeyTail?: string;
  /** Dropped after a 200, as Segment would (see the header above): why. */
  dropped?: string;
  message: Record<string, unknown>;
}

/** Why a message is dropped when its messageId was received before. */
export const REPEATED_ID_DROPPED = 'a repeat of a messageId already received (Segment keeps the first)';

/** The messageIds each write key has sent (by its tail and the id): a repeat is dropped, as Segment drops it. */
export type SeenIds = Set<string>;

/** What a call needs besides someone to attribute it to; without it Segment drops the message. */
const NEEDS: Partial<Record<string, string[]>> = { track: ['event'], group: ['groupId'], alias: ['previousId', 'userId'] };
const missing = (v: unknown) => typeof v !== 'string' || v === '';

/** Why Segment would drop this message after answering 200; undefined when it keeps it. */
function dropReason(m: Record<string, unknown>, index: number, known: boolean, repeated: boolean): string | undefined {
  if (!known) return 'a write key no source has (or none)';
  if (index >= SANDBOX_LIMITS.batchMessages) return 'over 2,500 messages in one batch';
  const type = String(m.type);
  if (type !== 'alias' && missing(m.userId) && missing(m.anonymousId)) return 'no userId or anonymousId';
  const absent = (NEEDS[type] ?? []).filter((f) => missing(m[f]));
  if (absent.length) return `no ${absent.join(' or ')} (a ${type} needs ${NEEDS[type]!.join(' and ')})`;
  return repeated ? REPEATED_ID_DROPPED : undefined;
}

/** `knownKey`: whether a source of the sandbox's workspace has this write key. */
export function handleTracking(call: string, headers: IncomingHttpHeaders, body: Buffer, events: TrackingRecord[], seen: SeenIds = new Set(), knownKey: (key: string | undefined) => boolean = () => true) {
  const lines: string[] = [];
  if (!CALLS.has(call)) return { status: 404, body: { success: false, message: `Unknown call /v1/${call}` }, lines };
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(body.toString('utf8'));
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('not an object');
  } catch {
    return { status: 400, body: { success: false, message: 'Invalid JSON' }, lines };
  }
  const isBatch = call === 'batch' || call === 'import';
  const limit = isBatch ? SANDBOX_LIMITS.batchBytes : SANDBOX_LIMITS.messageBytes;
  if (body.length > limit) return { status: 400, body: { success: false, message: `Payload over ${limit} bytes` }, lines };

  if (isBatch && !Array.isArray(payload.batch)) return { status: 400, body: { success: false, message: '"batch" must be a list of messages' }, lines };
  if (isBatch && (payload.batch as unknown[]).some((m) => !m || typeof m !== 'object' || Array.isArray(m))) return { status: 400, body: { success: false, message: 'Each item of "batch" must be a message object' }, lines };

  const key = writeKeyOf(headers, payload);
  const receivedAt = new Date().toISOString();
  const messages = isBatch ? ((payload.batch as Record<string, unknown>[]) ?? []) : [{ ...payload, type: call }];
  if (isBatch) {
    for (const m of messages) {
      if (Buffer.byteLength(JSON.stringify(m)) > SANDBOX_LIMITS.messageBytes) {
        return { status: 400, body: { success: false, message: `A message is over ${SANDBOX_LIMITS.messageBytes} bytes` }, lines };
      }
    }
  }
  // Each value on one line, escaped: an event name holding a line break cannot print a forged event.
  const shown = (v: unknown) => oneLine(String(v));
  // Asked once a request: it reads every source's keys.
  const known = knownKey(key);
  messages.forEach((m, i) => {
    const merged = isBatch ? { ...m, context: { ...(payload.context as object), ...(m.context as object) } } : m;
    const seenAs = typeof m.messageId === 'string' ? `${key ?? ''}\n${m.messageId}` : undefined;
    const dropped = dropReason(m, i, known, seenAs !== undefined && seen.has(seenAs));
    if (!dropped && seenAs !== undefined) seen.add(seenAs);
    const rec: TrackingRecord = {
      receivedAt,
      type: String(m.type ?? call),
      messageId: m.messageId as string | undefined,
      userId: m.userId as string | undefined,
      anonymousId: m.anonymousId as string | undefined,
      event: m.event as string | undefined,
      ...timesOf(m, payload, receivedAt),
      writeKeyTail: key ? key.slice(-4) : undefined,
      ...(dropped ? { dropped } : {}),
      message: merged,
    };
    events.push(rec);
    lines.push(`${receivedAt} ${shown(rec.type).padEnd(8)} ${rec.event === undefined ? '' : shown(rec.event)} user=${shown(rec.userId ?? rec.anonymousId ?? '-')} id=${shown(rec.messageId ?? '-')}${dropped ? ` DROPPED (${dropped})` : ''}`);
  });
  return { status: 200, body: { success: true }, lines, messages: messages.length };
}

/** The message's sentAt, and the time Segment computes from it (TrackingRecord.timestamp). */
function timesOf(m: Record<string, unknown>, payload: Record<string, unknown>, receivedAt: string): { sentAt?: string; timestamp: string } {
  const sentAt = typeof m.sentAt === 'string' ? m.sentAt : typeof payload.sentAt === 'string' ? payload.sentAt : undefined;
  const given = typeof m.timestamp === 'string' ? Date.parse(m.timestamp) : NaN;
  const sent = sentAt === undefined ? NaN : Date.parse(sentAt);
  const at = Number.isNaN(given) ? Date.parse(receivedAt) : Number.isNaN(sent) ? given : Date.parse(receivedAt) - (sent - given);
  // Times far apart enough (years ±100,000) would be no date at all: the time received stands.
  const timestamp = Math.abs(at) > 8.64e15 ? receivedAt : Number.isNaN(given) || !Number.isNaN(sent) ? new Date(at).toISOString() : (m.timestamp as string);
  return { ...(sentAt !== undefined ? { sentAt } : {}), timestamp };
}

function writeKeyOf(headers: IncomingHttpHeaders, payload: Record<string, unknown>): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString().replace(/:$/, '') || undefined;
  return typeof payload.writeKey === 'string' ? payload.writeKey : undefined;
}
