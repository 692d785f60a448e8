import type { WriteEvent } from '../execution/executor.js';

/** One line of the audit log. Never a secret; arguments only with --audit-payloads. */
export interface AuditRecord {
  time: string;
  slug: string;
  access: string;
  decision: WriteEvent['decision'];
  outcome: WriteEvent['outcome'];
  status?: number;
  message_count?: number;
  messageIds?: string[];
  args?: unknown;
}

export function toAuditRecord(event: WriteEvent, opts: { payloads: boolean; now?: Date }): AuditRecord {
  return {
    time: (opts.now ?? new Date()).toISOString(),
    slug: event.slug,
    access: event.access,
    decision: event.decision,
    outcome: event.outcome,
    ...(event.status !== undefined ? { status: event.status } : {}),
    ...(event.messageIds?.length ? { message_count: event.messageIds.length, messageIds: event.messageIds } : {}),
    ...(opts.payloads && event.args !== undefined ? { args: event.args } : {}),
  };
}
