import { createHash } from 'node:crypto';
import type { WriteEvent } from '../execution/executor.js';
import { cutText } from '../security/snippet.js';

/**
 * One line of the audit log. Never a secret; arguments only with --audit-payloads. Every line is
 * bounded (MAX_LINE_BYTES): a 100,000-message batch is summarised, not listed, so big batches cannot
 * push older records out of the rotation by their size alone.
 */
export interface AuditRecord {
  time: string;
  slug: string;
  access: string;
  decision: WriteEvent['decision'];
  outcome: WriteEvent['outcome'];
  status?: number;
  /** The stored connection a removal named. */
  connection?: string;
  message_count?: number;
  /** Every message id, when there are at most LISTED_IDS. */
  messageIds?: string[];
  /** Otherwise the first and last id and a digest of all of them, in order (sha256 of the ids joined by newlines). */
  message_ids?: { first: string; last: string; sha256: string };
  /** With --audit-payloads, the arguments (masked) when they fit in ARGS_CHARS... */
  args?: unknown;
  /** ...else their masked JSON cut to ARGS_CHARS, with its full size and digest. */
  args_cut?: { preview: string; chars: number; sha256: string };
}

/** The longest audit line, in bytes: a few hundred for a typical record. */
export const MAX_LINE_BYTES = 4_096;
export const LISTED_IDS = 10;
const ID_CHARS = 100;
const ARGS_CHARS = 2_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** `mask` masks secrets in text; arguments are masked before they are cut, never after. */
export function toAuditRecord(event: WriteEvent, opts: { payloads: boolean; mask: (text: string) => string; now?: Date }): AuditRecord {
  const ids = event.messageIds ?? [];
  return {
    time: (opts.now ?? new Date()).toISOString(),
    slug: event.slug,
    access: event.access,
    decision: event.decision,
    outcome: event.outcome,
    ...(event.status !== undefined ? { status: event.status } : {}),
    ...(event.connection !== undefined ? { connection: cutText(event.connection, ID_CHARS) } : {}),
    ...(ids.length ? { message_count: ids.length } : {}),
    ...(ids.length && ids.length <= LISTED_IDS ? { messageIds: ids.map((id) => cutText(id, ID_CHARS)) } : {}),
    ...(ids.length > LISTED_IDS ? { message_ids: { first: cutText(ids[0]!, ID_CHARS), last: cutText(ids[ids.length - 1]!, ID_CHARS), sha256: event.messageIdsSha256 ?? sha256(ids.join('\n')) } } : {}),
    ...(opts.payloads && event.args !== undefined ? payload(event.args, opts.mask) : {}),
  };
}

function payload(args: unknown, mask: (text: string) => string): Pick<AuditRecord, 'args' | 'args_cut'> {
  const masked = mask(JSON.stringify(args) ?? 'null');
  if (masked.length <= ARGS_CHARS) {
    try {
      return { args: JSON.parse(masked) };
    } catch {
      /* masking changed the JSON's shape: keep it as text below */
    }
  }
  return { args_cut: { preview: cutText(masked, ARGS_CHARS, '…'), chars: masked.length, sha256: sha256(masked) } };
}

/** The record as one line of at most MAX_LINE_BYTES (arguments dropped first, then ids cut), masked. */
export function auditLine(record: AuditRecord, mask: (text: string) => string): string {
  let line = mask(JSON.stringify(record));
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line + '\n';
  const { args: _a, args_cut: _c, ...rest } = record;
  line = mask(JSON.stringify({ ...rest, args_dropped: 'over the audit line limit' }));
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line + '\n';
  const { time, slug, access, decision, outcome, status, connection, message_count } = record;
  return mask(JSON.stringify({ time, slug: cutText(slug, 200), access, decision, outcome, status, connection, message_count })) + '\n';
}
