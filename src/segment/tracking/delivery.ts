import { randomUUID } from 'node:crypto';
import { baseUrl } from '../../config/runtime.js';
import { sendWithRetries } from '../../http/retry.js';
import type { HttpRequestSpec, PrepareContext, PreparedCall, SendContext, SendOutcome } from '../../registry/types.js';
import { VERSION } from '../../version.js';
import { validateBatchItem, type MessageType } from './schemas.js';
import { ArgumentsError, formatIssues, issueList } from '../../execution/validation.js';
import type { QualityReport } from '../../quality/checker.js';
import { keepPlanFresh, openGate, qualityFields, screen } from './quality-gate.js';

/** Segment's limits (docs/segment-facts.md). Requests are packed under the decimal 500 KB so either reading holds. */
export const LIMITS = {
  messageBytes: 32 * 1024,
  requestBytes: 500_000,
  messagesPerRequest: 2_500,
  /** Requests of one batch in flight at once: fast, and well under Segment's ~1,000 requests/s. */
  concurrency: 4,
} as const;

export const LIBRARY = { name: 'segment-router', version: VERSION };

const byteLength = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/**
 * Fills what the official library fills: a messageId kept across retries, timestamp, context.library.
 * `assignedId` is the id to use when the caller gave none (a batch derives it from its index).
 */
export function enrich(message: Record<string, unknown>, now: string, assignedId?: string): Record<string, unknown> {
  const context = (message.context as Record<string, unknown> | undefined) ?? {};
  return {
    ...message,
    messageId: message.messageId ?? assignedId ?? `sr-${randomUUID()}`,
    timestamp: message.timestamp ?? now,
    context: { ...context, library: context.library ?? LIBRARY },
  };
}

export function authHeaders(writeKey: string | undefined): Record<string, string> {
  return {
    Authorization: `Basic ${Buffer.from(`${writeKey ?? ''}:`).toString('base64')}`,
    'Content-Type': 'application/json',
    'User-Agent': `${LIBRARY.name}/${LIBRARY.version}`,
  };
}

export interface RejectedMessage {
  index: number;
  messageId?: string;
  reason: string;
  /** Field by field, with paths into the call (batch.3.userId), when the message failed validation. */
  issues?: { field: string; problem: string }[];
}

interface Chunk {
  /** Positions in the caller's batch, in order. */
  indices: number[];
  body: { batch: Record<string, unknown>[]; context?: unknown; integrations?: unknown; sentAt?: string };
}

export interface BatchState {
  kind: 'batch';
  total: number;
  /** Messages sent without a messageId get `<idPrefix><index>`: unique, and derivable from the index alone. */
  idPrefix: string;
  chunks: Chunk[];
  rejected: RejectedMessage[];
  quality?: QualityReport;
}

export interface SingleState {
  kind: 'single';
  type: MessageType;
  messageId: string;
  quality?: QualityReport;
}

/** A single call (identify, track, ...): one message, one request to /v1/<type>. */
export function prepareSingle(type: MessageType, args: Record<string, unknown>, ctx: PrepareContext): PreparedCall {
  const now = new Date().toISOString();
  const message: Record<string, unknown> = { ...enrich(args, now), sentAt: now };
  const size = byteLength(message);
  if (size > LIMITS.messageBytes) {
    const problem = `the message is ${size} bytes; Segment refuses a call over ${LIMITS.messageBytes} bytes (32 KB): move large values out of properties/traits, or trim them`;
    throw new ArgumentsError(`Invalid arguments: ${problem}.`, [{ field: '(arguments)', problem }]);
  }
  const gate = openGate(ctx);
  const kept = screen(gate, 0, type, message);
  if (kept) throw new ArgumentsError(`Not sent: the ${type} call ${kept.reason}.`, kept.issues, qualityFields(gate?.report()));
  const request: HttpRequestSpec = {
    method: 'POST',
    url: `${baseUrl(ctx.config, 'tracking', ctx.credentials.region)}/v1/${type}`,
    headers: authHeaders(ctx.credentials.writeKey),
    body: message,
  };
  const quality = gate?.report();
  const state: SingleState = { kind: 'single', type, messageId: String(message.messageId), ...(quality ? { quality } : {}) };
  return { requests: [request], ...(quality ? { notes: qualityFields(quality) } : {}), state };
}

/**
 * A batch: each message is checked by itself (schema and 32 KB); the valid ones are packed in order
 * into requests of at most 500 KB and 2,500 messages. Invalid ones are reported by index, never sent.
 */
export function prepareBatch(args: { batch: unknown[]; context?: unknown; integrations?: unknown }, ctx: PrepareContext): PreparedCall {
  const now = new Date().toISOString();
  // One random prefix per call plus the index: ids stay unique, and an answer too large to list every
  // id can still tell the caller each one (see not_accepted_ranges).
  const idPrefix = `sr-${randomUUID()}-`;
  const rejected: RejectedMessage[] = [];
  const chunks: Chunk[] = [];
  const envelope = { batch: [] as unknown[], ...(args.context ? { context: args.context } : {}), ...(args.integrations ? { integrations: args.integrations } : {}), sentAt: now };
  const envelopeBytes = byteLength(envelope);
  let current: Chunk | undefined;
  let currentBytes = 0;
  const gate = openGate(ctx);
  // Segment merges the batch's context into each message: the checks see it merged too.
  const batchContext = args.context && typeof args.context === 'object' ? (args.context as Record<string, unknown>) : undefined;

  args.batch.forEach((raw, index) => {
    const parsed = validateBatchItem(raw);
    const given = (raw as { messageId?: unknown } | null)?.messageId;
    const givenId = typeof given === 'string' ? given : undefined;
    if (!parsed.success) {
      // Paths name the message in the call (batch.3.userId), as a whole-call validation error would.
      const issues = parsed.issues.map((i) => ({ ...i, path: ['batch', index, ...i.path] }));
      rejected.push({ index, messageId: givenId, reason: formatIssues(issues), issues: issueList(issues) });
      return;
    }
    const message = enrich(parsed.data, now, idPrefix + index);
    const size = byteLength(message);
    if (size > LIMITS.messageBytes) {
      const reason = `message is ${size} bytes; the limit is ${LIMITS.messageBytes} bytes (32 KB)`;
      rejected.push({ index, messageId: String(message.messageId), reason, issues: [{ field: `batch.${index}`, problem: reason }] });
      return;
    }
    const checked = batchContext ? { ...message, context: { ...batchContext, ...(message.context as object) } } : message;
    const kept = screen(gate, index, String(message.type), checked, `batch.${index}.`);
    if (kept) {
      rejected.push({ index, messageId: String(message.messageId), reason: kept.reason, issues: kept.issues });
      return;
    }
    const added = size + 1; // the comma between items
    if (!current || current.indices.length >= LIMITS.messagesPerRequest || currentBytes + added > LIMITS.requestBytes) {
      current = { indices: [], body: { ...envelope, batch: [] } };
      chunks.push(current);
      currentBytes = envelopeBytes;
    }
    current.indices.push(index);
    current.body.batch.push(message);
    currentBytes += added;
  });

  const quality = gate?.report();
  if (chunks.length === 0) {
    // Nothing to send: a validation error, decided before the write policy, with every message's reason.
    const shown = rejected.slice(0, 3).map((r) => r.reason).join('; ');
    throw new ArgumentsError(
      `No message of the batch can be sent (${rejected.length} rejected): ${shown}${rejected.length > 3 ? '; ...' : ''}.`,
      rejected.flatMap((r) => r.issues ?? []),
      { accepted: 0, total: args.batch.length, rejected_before_sending: rejected, ...qualityFields(quality) },
    );
  }
  const state: BatchState = { kind: 'batch', total: args.batch.length, idPrefix, chunks, rejected, ...(quality ? { quality } : {}) };
  return {
    requests: chunks.map((c) => ({
      method: 'POST',
      url: `${baseUrl(ctx.config, 'tracking', ctx.credentials.region)}/v1/batch`,
      headers: authHeaders(ctx.credentials.writeKey),
      body: c.body,
    })),
    notes: {
      messages: args.batch.length,
      requests: chunks.length,
      message_id_prefix: idPrefix,
      rejected_before_sending: rejected,
      ...qualityFields(quality),
    },
    state,
  };
}

const ACCEPTED_NOTE = 'Accepted by Segment (HTTP 200). Accepted means queued for processing, not delivered to destinations.';

/** Sends a prepared tracking call under the shared retry policy. */
export async function sendTracking(call: PreparedCall, ctx: SendContext): Promise<SendOutcome> {
  const state = call.state as SingleState | BatchState;
  keepPlanFresh(ctx);
  if (state.kind === 'single') return sendSingle(call, state, ctx);
  return sendBatch(call, state, ctx);
}

async function post(req: HttpRequestSpec, ctx: SendContext) {
  const body: Record<string, unknown> = { ...(req.body as Record<string, unknown>), sentAt: new Date().toISOString() };
  const text = JSON.stringify(body);
  const r = await sendWithRetries(
    ctx.http,
    { method: req.method, url: req.url, headers: req.headers, body: text },
    {
      settings: ctx.config.retry,
      timeoutMs: ctx.config.requestTimeoutMs,
      idempotent: true, // every message carries its messageId: Segment drops repeats
      signal: ctx.signal,
      onRetry: ({ attempt, delayMs, reason }) => ctx.log.warn('retrying tracking request', { url: req.url, attempt, delayMs: Math.round(delayMs), reason }),
    },
  );
  const messages = Array.isArray(body.batch) ? body.batch.length : 1;
  ctx.log.debug('tracking request done', { url: req.url, messages, bytes: Buffer.byteLength(text), status: r.response?.status, error: r.error?.code, attempts: r.attempts });
  return r;
}

function failureReason(r: Awaited<ReturnType<typeof post>>, ctx: SendContext): string {
  if (r.error) return `${r.error.message} (gave up after ${r.attempts} attempt${r.attempts > 1 ? 's' : ''})`;
  const status = r.response!.status;
  // Mask before cutting: a cut through a secret echoed by the server would leave a prefix no redactor knows.
  const masked = ctx.redact ? ctx.redact(r.response!.text) : r.response!.text;
  const snippet = masked.slice(0, 200).replace(/[\uD800-\uDBFF]$/, '');
  return `HTTP ${status}${snippet ? `: ${snippet}` : ''} (after ${r.attempts} attempt${r.attempts > 1 ? 's' : ''})`;
}

async function sendSingle(call: PreparedCall, state: SingleState, ctx: SendContext): Promise<SendOutcome> {
  const r = await post(call.requests[0]!, ctx);
  const status = r.response?.status;
  if (status !== undefined && status >= 200 && status < 300) {
    return { ok: true, status, messageIds: [state.messageId], data: { accepted: true, type: state.type, messageId: state.messageId, note: ACCEPTED_NOTE, ...qualityFields(state.quality) } };
  }
  return {
    ok: false,
    status,
    messageIds: [state.messageId],
    ...(state.quality ? { data: qualityFields(state.quality) } : {}),
    error: {
      kind: r.error ? 'network' : 'upstream',
      status,
      message: `Segment did not accept the ${state.type} call: ${failureReason(r, ctx)}.`,
      hint:
        status === 400
          ? 'Segment rejected the payload (invalid JSON or over 32 KB); fix it before sending again.'
          : `Nothing was lost by trying: send the same call again with messageId "${state.messageId}" and Segment keeps only one copy.`,
      details: { messageId: state.messageId },
    },
  };
}

async function sendBatch(call: PreparedCall, state: BatchState, ctx: SendContext): Promise<SendOutcome> {
  const notAccepted: RejectedMessage[] = [];
  let accepted = 0;
  let done = state.rejected.length;
  let lastStatus: number | undefined;
  const messageIds: string[] = [];
  await ctx.progress?.(done, state.total, `Sending ${state.total - done} messages in ${state.chunks.length} request(s)`);

  let next = 0;
  const worker = async () => {
    while (next < state.chunks.length) {
      const i = next++;
      const chunk = state.chunks[i]!;
      const r = await post(call.requests[i]!, ctx);
      const status = r.response?.status;
      lastStatus = status ?? lastStatus;
      const ids = chunk.body.batch.map((m) => String(m.messageId));
      messageIds.push(...ids);
      if (status !== undefined && status >= 200 && status < 300) {
        accepted += chunk.indices.length;
      } else {
        const reason = failureReason(r, ctx);
        chunk.indices.forEach((index, k) => notAccepted.push({ index, messageId: ids[k], reason }));
      }
      done += chunk.indices.length;
      await ctx.progress?.(done, state.total, `Request ${i + 1}/${state.chunks.length}: ${status ?? 'no answer'}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LIMITS.concurrency, state.chunks.length) }, worker));
  notAccepted.sort((a, b) => a.index - b.index);

  const data = {
    accepted,
    total: state.total,
    requests: state.chunks.length,
    message_id_prefix: state.idPrefix,
    rejected_before_sending: state.rejected,
    not_accepted: notAccepted,
    ...(notAccepted.length ? { not_accepted_ranges: indexRanges(notAccepted.map((m) => m.index)) } : {}),
    note: accepted > 0 ? ACCEPTED_NOTE : undefined,
    ...qualityFields(state.quality),
  };
  const problems = state.rejected.length + notAccepted.length;
  if (problems === 0) return { ok: true, status: lastStatus, messageIds, data };
  return {
    ok: false,
    status: lastStatus,
    messageIds,
    data,
    error: {
      kind: accepted > 0 ? 'partial' : notAccepted.length ? 'upstream' : 'validation',
      status: lastStatus,
      message: `${accepted} of ${state.total} messages accepted; ${state.rejected.length} rejected before sending, ${notAccepted.length} not accepted by Segment.`,
      hint: notAccepted.length
        ? 'Resend only the messages in data.not_accepted (indices also in data.not_accepted_ranges) with the same messageIds: yours, or data.message_id_prefix + index for those the router assigned. Segment drops repeats, so nothing is counted twice.'
        : 'Fix the messages listed in data.rejected_before_sending (by index) and send just those again.',
      ...(state.rejected.length ? { details: { issues: state.rejected.flatMap((r) => r.issues ?? []) } } : {}),
    },
  };
}

/** Sorted indices as inclusive [from, to] runs: compact enough to survive any answer size limit. */
export function indexRanges(indices: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs;
}
