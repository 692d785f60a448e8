import { createHash, randomUUID } from 'node:crypto';
import { baseUrl } from '../../config/runtime.js';
import { sendWithRetries } from '../../http/retry.js';
import type { HttpRequestSpec, PrepareContext, PreparedCall, SendContext, SendOutcome } from '../../registry/types.js';
import { maskedSnippet } from '../../security/snippet.js';
import type { MessageType } from './schemas.js';
import { ArgumentsError } from '../../registry/arguments.js';
import { LIBRARY, messageIdOf, serialise, writeMessage, ID_PREFIX_LENGTH, type SerialisedMessage } from './message.js';
import { BatchPacker, type Packed } from './packer.js';
import { journalFor, type Busy, type DeliveryJournal, type JournalRun, type RunEnd } from './journal.js';
import { IndexSet } from './index-set.js';
import type { MessageGate, QualityReport } from '../../quality/checker.js';
import { keepPlanFresh, openGate, qualityFields, screen } from './quality-gate.js';
import { BatchFeed, batchFingerprint, encodeBatch, type RejectedMessage } from './batch-feed.js';
import { countText } from '../../util/count-text.js';

/** Most of a Tracking API answer read: enough for any error it gives, never a stray host's megabytes. */
const TRACKING_ANSWER_BYTES = 64 * 1024;

export { LIBRARY };

/** Segment's limits (docs/segment-facts.md). Requests are packed under the decimal 500 KB so either reading holds. */
export const LIMITS = {
  messageBytes: 32 * 1024,
  requestBytes: 500_000,
  messagesPerRequest: 2_500,
  /** Requests of one batch in flight at once: fast, and well under Segment's ~1,000 requests/s. */
  concurrency: 4,
} as const;

/** A fresh prefix for the ids the router assigns in one call: `sr-<uuid>-`, then the message's index. */
export function newIdPrefix(): string {
  const prefix = `sr-${randomUUID()}-`;
  if (prefix.length !== ID_PREFIX_LENGTH) throw new Error('unexpected id prefix length');
  return prefix;
}

export function authHeaders(writeKey: string | undefined): Record<string, string> {
  return {
    Authorization: `Basic ${Buffer.from(`${writeKey ?? ''}:`).toString('base64')}`,
    'Content-Type': 'application/json',
    'User-Agent': `${LIBRARY.name}/${LIBRARY.version}`,
  };
}

export type { RejectedMessage };

/** What every tracking call carries from prepare to send: the messages, serialised once, and what to assign. */
interface CallBase {
  url: string;
  headers: Record<string, string>;
  /** Prefix of the ids the router assigns (`<prefix><index>`): unique, and derivable from the index alone. */
  idPrefix: string;
  /** The timestamp given to messages that have none. */
  now: string;
  /**
   * Hash of what was asked, when the router assigns something (an id or a timestamp): the delivery
   * journal's key, so a repeat of a call that never got its answer reuses what was assigned.
   */
  fingerprint?: string;
}

export interface BatchState extends CallBase {
  kind: 'batch';
  total: number;
  /** The messages, checked and packed into requests as they are sent. */
  feed: BatchFeed;
  packer: BatchPacker;
  /** The call's quality gate: its report is read once every message has been through it. */
  gate?: MessageGate;
}

export interface SingleState extends CallBase {
  kind: 'single';
  type: MessageType;
  message: SerialisedMessage;
  quality?: QualityReport;
}

/** A request as a dry run shows it: the body parsed back from the exact bytes that would be sent. */
function shownRequest(url: string, headers: Record<string, string>, body: () => Buffer): HttpRequestSpec {
  return {
    method: 'POST',
    url,
    headers,
    get body() {
      return JSON.parse(body().toString('utf8')) as unknown;
    },
  };
}

/** How every tracking body ends (singleBody, BatchPacker.body): sentAt, an ISO string from Date (24 characters), then the closing brace. */
const SENT_AT_TAIL = ',"sentAt":"';
const ISO_CHARS = 24;

/**
 * Writes the time now over a body's sentAt, in place: a retry goes with the time it is sent, as the
 * official library stamps it, not the first attempt's (after a 300 s Retry-After, Segment would read the
 * sender's clock as 300 s fast). A body not ending as expected is left as it is.
 */
export function stampSentAt(body: Buffer): void {
  const at = body.length - ISO_CHARS - 2;
  if (at < SENT_AT_TAIL.length || body.toString('latin1', at - SENT_AT_TAIL.length, at) !== SENT_AT_TAIL || body.toString('latin1', body.length - 2) !== '"}') return;
  body.write(new Date().toISOString(), at, 'latin1');
}

/** A single call's body: the message plus sentAt, in one buffer. */
function singleBody(state: SingleState, sentAt = new Date().toISOString()): Buffer {
  const m = state.message;
  const out = Buffer.allocUnsafe(m.bytes + ',"sentAt":""'.length + sentAt.length);
  const at = writeMessage(m, state.idPrefix, state.now, out, 0) - 1; // reopen the closing brace
  out.write(`,"sentAt":"${sentAt}"}`, at, 'latin1');
  return out;
}

/** What identifies a single call for the journal; undefined when the message brings its own id and timestamp. */
function fingerprint(kind: string, m: SerialisedMessage): string | undefined {
  if (m.givenId && !m.needsTimestamp) return undefined;
  const { block, start, end } = m.span;
  return createHash('sha256').update(kind).update('\n').update(block.subarray(start, end)).digest('base64url');
}

/** A single call (identify, track, ...): one message, one request to /v1/<type>. */
export function prepareSingle(type: MessageType, args: Record<string, unknown>, ctx: PrepareContext): PreparedCall {
  // The request carries its own send time, written last: a sentAt given with the message would be a second key.
  const { sentAt: _replaced, ...sent } = args;
  const message = serialise(args.sentAt === undefined ? args : sent, 0);
  const size = message.bytes + ',"sentAt":""'.length + 24;
  if (size > LIMITS.messageBytes) {
    const problem = `the message is ${size} bytes; Segment refuses a call over ${LIMITS.messageBytes} bytes (32 KB): move large values out of properties/traits, or trim them`;
    throw new ArgumentsError(`Invalid arguments: ${problem}.`, [{ field: '(arguments)', problem }]);
  }
  const gate = openGate(ctx);
  const filling = { idPrefix: newIdPrefix(), now: new Date().toISOString() };
  const kept = screen(gate, 0, type, args, filling);
  if (kept) throw new ArgumentsError(`Not sent: the ${type} call ${kept.reason}.`, kept.issues, qualityFields(gate?.report()));
  const quality = gate?.report();
  const state: SingleState = {
    kind: 'single',
    type,
    message,
    url: `${baseUrl(ctx.config, 'tracking', ctx.credentials.region)}/v1/${type}`,
    headers: authHeaders(ctx.credentials.writeKey),
    ...filling,
    fingerprint: fingerprint(`single ${type}`, message),
    ...(quality ? { quality } : {}),
  };
  return { requests: [shownRequest(state.url, state.headers, () => singleBody(state))], ...(quality ? { notes: qualityFields(quality) } : {}), state };
}

/**
 * A batch. Before anything is sent, for the whole call: every message's JSON as given, encoded once,
 * against the per-call byte limit (`maxArgumentsBytes`), and the journal's fingerprint; and at least
 * one message that can be sent (else a validation error naming every message's reason). Then each
 * message is checked by itself (schema, quality gate, 32 KB) as requests are packed, in order, into
 * requests of at most 500 KB and 2,500 messages (batch-feed.ts). Invalid ones are reported by index,
 * never sent.
 */
/**
 * `kind` names the tool in the journal's key: the same messages given to SEGMENT_BATCH and then to
 * SEGMENT_IMPORT_HISTORICAL_DATA are two calls (in one script both stay open until its answer is out).
 */
export function prepareBatch(args: { batch: unknown[]; context?: unknown; integrations?: unknown }, ctx: PrepareContext, kind: 'batch' | 'import' = 'batch'): PreparedCall {
  const envelope = { ...(args.context ? { context: args.context } : {}), ...(args.integrations ? { integrations: args.integrations } : {}) };
  const packer = new BatchPacker(LIMITS, envelope);
  const encoded = encodeBatch(args.batch, ctx.config.limits.maxArgumentsBytes);
  const gate = openGate(ctx);
  // What the sender will fill in, fixed before the checks so a rule that looks at them sees the real values.
  const filling = { idPrefix: newIdPrefix(), now: new Date().toISOString() };
  // Segment merges the batch's context into each message: the checks see it merged too.
  const batchContext = args.context && typeof args.context === 'object' ? (args.context as Record<string, unknown>) : undefined;
  const feed = new BatchFeed({
    batch: args.batch,
    encoded,
    packer,
    gate,
    filling,
    batchContext,
    maxMessageBytes: Math.min(LIMITS.messageBytes, packer.maxMessageBytes),
    messageLimitText: `${LIMITS.messageBytes} bytes (32 KB)`,
  });
  if (!feed.hasAny()) {
    // Nothing to send: a validation error, decided before the write policy, with every message's reason.
    const rejected = feed.rejected;
    const shown = rejected.slice(0, 3).map((r) => r.reason).join('; ');
    throw new ArgumentsError(
      `No message of the batch can be sent (${rejected.length} rejected): ${shown}${rejected.length > 3 ? '; ...' : ''}.`,
      rejected.flatMap((r) => r.issues ?? []),
      { accepted: 0, total: args.batch.length, rejected_before_sending: rejected, ...qualityFields(gate?.report()) },
    );
  }
  const state: BatchState = {
    kind: 'batch',
    total: args.batch.length,
    feed,
    packer,
    gate,
    url: `${baseUrl(ctx.config, 'tracking', ctx.credentials.region)}/v1/batch`,
    headers: authHeaders(ctx.credentials.writeKey),
    ...filling,
    fingerprint: batchFingerprint(`${kind} ${JSON.stringify(envelope)}`, encoded),
  };
  // A dry run shows every request (which checks every message); a real send packs as it goes.
  let shown: HttpRequestSpec[] | undefined;
  const requests = () => (shown ??= feed.all().map((p) => shownRequest(state.url, state.headers, () => packer.body(p, state.idPrefix, state.now))));
  return {
    get requests() {
      return requests();
    },
    get notes() {
      // Packing checks every message: the repeats are known once it is done.
      const reqs = requests().length;
      return { messages: args.batch.length, requests: reqs, message_id_prefix: state.idPrefix, rejected_before_sending: feed.rejected, ...feedReport(feed).fields, ...qualityFields(gate?.report()) };
    },
    get warnings() {
      requests();
      return feedReport(feed, 'data.notes.repeated_message_ids').warnings;
    },
    state,
  };
}

const ACCEPTED_NOTE = 'Accepted by Segment (HTTP 200). Accepted means queued for processing, not delivered to destinations.';

/** How the warning about repeated messageIds starts: the import says it by line instead. */
export const REPEATED_IDS_WARNING = 'messageIds repeated in this call';

/**
 * The answer's fields and warnings on what packing noticed: messages that repeat an earlier message's
 * messageId, and messages sent without the sentAt they came with (none of either: nothing).
 */
function feedReport(feed: BatchFeed, listedAt = 'data.repeated_message_ids'): { fields: Record<string, unknown>; warnings?: string[] } {
  const n = feed.repeatedCount;
  const left = sentAtLeftOut(feed);
  const leftField = left ? { sent_at_left_out: feed.sentAtLeftOut } : {};
  if (!n) return { fields: leftField, ...(left ? { warnings: [left] } : {}) };
  const fields = { repeated_message_ids: feed.repeatedIds, ...(n > feed.repeatedIds.length ? { repeated_message_ids_total: n } : {}), ...leftField };
  const warning = `${REPEATED_IDS_WARNING}: ${countText(n)} message${n === 1 ? ' reuses' : 's reuse'} the messageId of an earlier message (${listedAt} lists each with the index of the first). Segment keeps only the first message of each messageId and drops the others for about 24 hours. If they are different events, send those again each with its own messageId (or with none: the router then assigns one).`;
  return { fields, warnings: left ? [warning, left] : [warning] };
}

/** How the warning about sentAt left out starts. */
export const SENT_AT_LEFT_OUT_WARNING = 'sentAt left out';

/** Messages sent without the sentAt they came with (BatchFeed.check says why); undefined when none. */
function sentAtLeftOut(feed: BatchFeed): string | undefined {
  const n = feed.sentAtLeftOut;
  return n ? `${SENT_AT_LEFT_OUT_WARNING}: ${sentAtLeftOutText(n, 'message')}` : undefined;
}

/** Why `n` messages (or an import's records) went without the sentAt they came with. */
export function sentAtLeftOutText(n: number, noun: 'message' | 'record'): string {
  const [its, it, did] = n === 1 ? ['its', 'it', 'it'] : ['their', 'them', 'they'];
  return `${countText(n)} ${noun}${n === 1 ? '' : 's'} came with a sentAt of ${its} own, sent without it: each request carries the time it is sent. Segment stores a message at receivedAt - (sentAt - timestamp), so an old sentAt would have moved ${it} to about the time ${did} arrived.`;
}

/** Sends a prepared tracking call under the shared retry policy. */
export async function sendTracking(call: PreparedCall, ctx: SendContext): Promise<SendOutcome> {
  const state = call.state as SingleState | BatchState;
  keepPlanFresh(ctx);
  if (state.kind === 'single') return sendSingle(state, ctx);
  return sendBatch(state, ctx);
}

async function post(state: CallBase, body: Buffer, messages: number, ctx: SendContext) {
  const r = await sendWithRetries(
    ctx.http,
    { method: 'POST', url: state.url, headers: state.headers, body },
    {
      settings: ctx.config.retry,
      timeoutMs: ctx.config.requestTimeoutMs,
      idempotent: true, // every message carries its messageId: Segment drops repeats
      signal: ctx.signal,
      stopRetrying: ctx.stop,
      // The Tracking API answers {"success":true} or a short error: the status says the rest.
      maxResponseBytes: TRACKING_ANSWER_BYTES,
      ...(ctx.deadline !== undefined ? { deadline: ctx.deadline } : {}),
      onRetry: ({ attempt, delayMs, reason }) => ctx.log.warn('retrying tracking request', { url: state.url, attempt, delayMs: Math.round(delayMs), reason }),
      beforeRetry: () => stampSentAt(body),
    },
  );
  ctx.log.debug('tracking request done', { url: state.url, messages, bytes: body.length, status: r.response?.status, error: r.error?.code, attempts: r.attempts });
  return r;
}

function failureReason(r: Awaited<ReturnType<typeof post>>, ctx: SendContext): string {
  const attempts = `${r.attempts} attempt${r.attempts > 1 ? 's' : ''}${r.outOfTime ? ', then stopped retrying to answer in time' : ''}`;
  if (r.error) return `${r.error.message} (gave up after ${attempts})`;
  const status = r.response!.status;
  const snippet = maskedSnippet(r.response!.text, ctx.redact);
  return `HTTP ${status}${snippet ? `: ${snippet}` : ''} (after ${attempts})${status === 429 && r.askedWaitMs !== undefined ? `; Segment asked to wait ${waitText(r.askedWaitMs)} before sending again (Retry-After)` : ''}`;
}

/** A wait Segment asked for, for a person or an agent: "120 s", "about 3 hours". */
function waitText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `about ${Math.round(s / 60)} minutes`;
  return `about ${countText(Math.round(s / 3_600))} hours`;
}

/** What to tell a caller about the wait Segment asked for before a repeat, if it asked. */
function waitFirst(askedMs: number | undefined): string {
  return askedMs === undefined ? '' : `Segment answered 429 and asked to wait ${waitText(askedMs)} (Retry-After): wait that long first. `;
}

/** How long a call waits for the same call running in another process before it answers without sending (no deadline: the command line). */
const WAIT_FOR_OTHER_MS = 5 * 60_000;

type Opened = { run?: JournalRun; prefix: string; now: string; warnings?: string[] } | { busyElsewhere: number };

/**
 * The journal run a call sends under. When the same call is running already (its client gave up
 * waiting and asked again, or asked another server on the same config home), a second run under new
 * ids would send everything twice: the repeat waits for the running one instead. If that one ended
 * (everything accepted), the repeat sends nothing and answers as a repeat of it; if it was left open,
 * the repeat takes it over and sends what is missing. Another process's run is looked at again every
 * 100 ms, until the call's deadline: past it, the answer says the call is still running there.
 */
async function openRun(state: CallBase, total: number, ctx: SendContext): Promise<Opened> {
  if (!state.fingerprint) return { prefix: state.idPrefix, now: state.now };
  const key = journalKey(state, ctx.slot);
  const until = ctx.deadline ?? Date.now() + WAIT_FOR_OTHER_MS;
  for (;;) {
    let busy: Busy;
    let opened: Opened | undefined;
    try {
      const journal = journalFor(ctx.config.home);
      // Looking and beginning under one lock: two servers given the same call at the same moment both
      // found it not running, and both sent it, under two sets of ids.
      await journal.locked(() => {
        busy = journal.busy(key, total);
        if (!busy) opened = beginRun(state, total, ctx, key);
      });
    } catch {
      break; // a journal that cannot be read or locked: beginRun says so
    }
    if (opened) return opened;
    if (!busy) break;
    let end: RunEnd | undefined;
    if ('here' in busy) {
      end = await waitFor(busy.here, until, ctx);
      if (!end) return { busyElsewhere: process.pid };
    } else {
      const journal = journalFor(ctx.config.home);
      while (!(end = journal.endOf(busy.elsewhere))) {
        if (Date.now() >= until || ctx.signal?.aborted || ctx.stop?.aborted) return { busyElsewhere: busy.elsewhere.pid };
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (end.ended) return { run: { id: '', prefix: end.prefix, now: end.now, acked: IndexSet.fromRanges([[0, total - 1]]), resumed: true }, prefix: end.prefix, now: end.now };
  }
  return beginRun(state, total, ctx, key);
}

/** `end`, or undefined once the deadline passes or the call is cancelled first. */
async function waitFor(end: Promise<RunEnd>, until: number, ctx: SendContext): Promise<RunEnd | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, until - Date.now()));
    onAbort = () => resolve(undefined);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    ctx.stop?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([end, giveUp]);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort!);
    ctx.stop?.removeEventListener('abort', onAbort!);
  }
}

function busyElsewhere(pid: number, total: number): SendOutcome {
  const where = pid === process.pid ? 'in this segment-router server' : `in another segment-router process (pid ${pid}) sharing this config home`;
  return {
    ok: false,
    data: { accepted: 0, total },
    error: {
      kind: 'busy',
      message: `The same call is still running ${where}: nothing was sent by this one, so nothing goes twice.`,
      hint: 'Repeat the call once that one has answered: it then sends only what that one did not get accepted, under the same messageIds.',
    },
  };
}

/**
 * Opens the journal entry of a call; a journal that cannot be written is reported (in the log and in
 * the answer's warnings: the caller is the one who would repeat the call), and the call goes on without it.
 */
function beginRun(state: CallBase, total: number, ctx: SendContext, key: string): { run?: JournalRun; prefix: string; now: string; warnings?: string[] } {
  if (!state.fingerprint) return { prefix: state.idPrefix, now: state.now };
  try {
    const run = journalFor(ctx.config.home).begin(key, { prefix: state.idPrefix, now: state.now, total });
    if (run.resumed) ctx.log.info('repeat of a call that never got its answer: reusing its messageIds', { acked_earlier: run.acked.size, total });
    return { run, prefix: run.prefix, now: run.now };
  } catch (err) {
    ctx.log.warn('delivery journal not written: a repeat of this call after a crash would get new messageIds', { error: (err as Error).message });
    const warning = `The delivery journal could not be written (${(err as Error).message}): if this call's answer is lost, check what arrived before you repeat it, since a repeat would send its messages again under new messageIds. Messages that bring their own messageId and timestamp are safe to repeat.`;
    return { prefix: state.idPrefix, now: state.now, warnings: [warning] };
  }
}

/**
 * The journal's key for a call: what was asked and where it goes. The same messages sent to another
 * source (another write key, another region or host) are another call: keyed by the messages alone,
 * they went to the second source only as far as the first had not taken them, and the answer said all
 * were accepted. The write key is hashed in with the rest, never kept (the journal holds no secret),
 * which also keeps the key from being checked against guessed messages without it.
 */
function journalKey(state: CallBase, slot = ''): string {
  return createHash('sha256').update(state.fingerprint!).update('\n').update(state.url).update('\n').update(state.headers.Authorization ?? '').update('\n').update(slot).digest('base64url');
}

/**
 * One write to the journal. One that fails is said in the log and the call goes on: the journal makes
 * a repeat harmless, and losing a line only makes a repeat send again under the same ids or new ones.
 */
function journaled<T>(ctx: SendContext, write: (journal: DeliveryJournal) => T): T | undefined {
  try {
    return write(journalFor(ctx.config.home));
  } catch (err) {
    ctx.log.warn('delivery journal not written', { error: (err as Error).message });
    return undefined;
  }
}

/** `single`: a single call's one message, which no ack line records (its end did): acked when it is left open. */
function finishRun(run: JournalRun | undefined, complete: boolean, ctx: SendContext, single = false): void {
  // A run that only reports how the same call's running attempt ended has no entry of its own.
  if (!run?.id) return;
  const id = run.id;
  const receipts = ctx.receipts;
  if (!complete || ctx.signal?.aborted) journaled(ctx, (j) => j.release(id));
  else if (!receipts) journaled(ctx, (j) => j.end(id));
  // Everything is accepted, but a caller without the answer would repeat the call: until the answer is
  // out, the run is left open with every message acked, so that repeat sends nothing again.
  else if (journaled(ctx, (j) => (j.settle(id, single ? [[0, 0]] : []), true))) {
    receipts.onDelivered(() => {
      const ended = journaled(ctx, (j) => j.end(id));
      // Dropped by its caller after all (a cancel that crossed the answer): open again, for the repeat.
      if (ended) receipts.onWithdrawn(() => journaled(ctx, (j) => j.reopen(ended)));
    });
  }
}

function ackRun(run: JournalRun | undefined, indices: number[], ctx: SendContext): void {
  if (run?.id) journaled(ctx, (j) => j.ack(run.id, indices));
}

async function sendSingle(state: SingleState, ctx: SendContext): Promise<SendOutcome> {
  const opened = await openRun(state, 1, ctx);
  if ('busyElsewhere' in opened) return busyElsewhere(opened.busyElsewhere, 1);
  const { run, prefix, now, warnings } = opened;
  const messageId = messageIdOf(state.message, prefix);
  const warned = warnings ? { warnings } : {};
  const accepted = (status?: number, earlier = false): SendOutcome => ({ ok: true, status, messageIds: [messageId], data: { accepted: true, type: state.type, messageId, ...(earlier ? { accepted_by_an_earlier_attempt: 1 } : {}), note: ACCEPTED_NOTE, ...qualityFields(state.quality) }, ...warned });
  if (run?.acked.has(0)) {
    // Sent by an earlier attempt of this same call (the one it waited for, or one that never got its answer): nothing goes again.
    finishRun(run, true, ctx, true);
    return accepted(undefined, true);
  }
  let ok = false;
  try {
    const r = await post(state, singleBody({ ...state, idPrefix: prefix, now }), 1, ctx);
    const status = r.response?.status;
    if (status !== undefined && status >= 200 && status < 300) {
      ok = true;
      return accepted(status);
    }
    return {
      ok: false,
      status,
      messageIds: [messageId],
      ...warned,
      ...(r.error && !r.error.notSent ? { maybeSent: true } : {}),
      ...(state.quality ? { data: qualityFields(state.quality) } : {}),
      error: {
        kind: r.error ? 'network' : 'upstream',
        status,
        message: `Segment did not accept the ${state.type} call: ${failureReason(r, ctx)}.`,
        hint:
          status === 400
            ? 'Segment rejected the payload (invalid JSON or over 32 KB); fix it before sending again.'
            : `${status === 429 ? waitFirst(r.askedWaitMs) : ''}Nothing was lost by trying: send the same call again (it reuses messageId "${messageId}") and Segment keeps only one copy.`,
        details: { messageId },
      },
    };
  } finally {
    finishRun(run, ok, ctx, true);
  }
}

async function sendBatch(state: BatchState, ctx: SendContext): Promise<SendOutcome> {
  const opened = await openRun(state, state.total, ctx);
  if ('busyElsewhere' in opened) return busyElsewhere(opened.busyElsewhere, state.total);
  const { run, prefix, now, warnings } = opened;
  try {
    const outcome = await sendBatchRun(state, run, prefix, now, ctx);
    return warnings ? { ...outcome, warnings: [...warnings, ...(outcome.warnings ?? [])] } : outcome;
  } catch (err) {
    finishRun(run, false, ctx);
    throw err;
  }
}

async function sendBatchRun(state: BatchState, run: JournalRun | undefined, prefix: string, now: string, ctx: SendContext): Promise<SendOutcome> {
  const { feed, packer } = state;
  const notAccepted: RejectedMessage[] = [];
  /** Messages accepted by an earlier attempt of this same call: not sent again. */
  let earlier = 0;
  let accepted = 0;
  let settled = 0;
  let requests = 0;
  let lastStatus: number | undefined;
  // The ids of each request sent, by its first message: the audit log lists them in the call's order,
  // whichever request was answered first.
  const sent: { first: number; ids: string[] }[] = [];
  const done = () => settled + earlier + feed.rejected.length;
  await ctx.progress?.(done(), state.total, `Sending ${state.total} messages in requests of at most ${countText(LIMITS.messagesPerRequest)}`);

  // The next request to post: the feed checks its messages now, while earlier requests are in flight.
  const take = (): Packed | undefined => {
    for (let chunk = feed.next(); chunk; chunk = feed.next()) {
      // A repeat of a call that never got its answer sends only what was not accepted the first time.
      if (!run?.acked.size) return chunk;
      const left = chunk.messages.filter((m) => !run.acked.has(m.index));
      earlier += chunk.messages.length - left.length;
      if (left.length) return packer.packAll(left)[0];
    }
    return undefined;
  };
  /** The next request's body and what its answer needs; not its messages, which need not live through the wait. */
  const nextRequest = () => {
    const chunk = take();
    return chunk && { body: packer.body(chunk, prefix, now), ids: chunk.messages.map((m) => messageIdOf(m, prefix)), indices: chunk.messages.map((m) => m.index) };
  };
  /** Messages Segment refused as they were written (HTTP 400 or 413): sent again unchanged, they fail again. */
  let refusedAsSent = 0;
  /** The longest wait Segment asked for (429, Retry-After) on a request not accepted: the repeat should wait it first. */
  let askedWaitMs: number | undefined;
  let unanswered = false;
  /** Set once the call's deadline passed (an MCP call answers in time): no request is started after it. */
  let outOfTime = false;
  const stopped = () => ctx.signal?.aborted === true || ctx.stop?.aborted === true;
  const worker = async () => {
    for (;;) {
      // Let the requests already handed over go out (and answers come in) before checking more messages.
      await new Promise((resolve) => setImmediate(resolve));
      // Cancelled (tasks/cancel, a cancelled request, Ctrl-C): no request is started after it.
      if (stopped()) return;
      if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) {
        outOfTime = true;
        return;
      }
      const request = nextRequest();
      if (!request) return;
      const { ids, indices } = request;
      const i = ++requests;
      const r = await post(state, request.body, ids.length, ctx);
      const status = r.response?.status;
      lastStatus = status ?? lastStatus;
      if (ids.length) sent.push({ first: indices[0]!, ids });
      if (status !== undefined && status >= 200 && status < 300) {
        accepted += ids.length;
        ackRun(run, indices, ctx);
      } else {
        const reason = failureReason(r, ctx);
        if (status === 429 && r.askedWaitMs !== undefined) askedWaitMs = Math.max(askedWaitMs ?? 0, r.askedWaitMs);
        if (status === 400 || status === 413) refusedAsSent += ids.length;
        // Sent, and no answer came: Segment may have these (the audit says "unknown", not "failed").
        if (r.error && !r.error.notSent) unanswered = true;
        indices.forEach((index, k) => notAccepted.push({ index, messageId: ids[k], reason, ...(status !== undefined ? { status } : {}) }));
      }
      settled += ids.length;
      // Nobody listens past a cancel: the call is over for its caller.
      if (!stopped()) await ctx.progress?.(done(), state.total, `Request ${i}: ${status ?? 'no answer'}`);
    }
  };
  await Promise.all(Array.from({ length: LIMITS.concurrency }, worker));
  if (outOfTime || stopped()) {
    // What was never sent is listed with its id, as anything not accepted is: the repeat sends it under the same ids.
    const reason = stopped()
      ? 'not sent: the call was stopped (cancelled) before this message went; repeat the same call to send the rest (it sends only what was not accepted, under the same ids)'
      : 'not sent: the call stopped sending to answer in time (Segment was slow or failing); repeat the call to send it';
    for (let chunk = take(); chunk; chunk = take()) for (const m of chunk.messages) notAccepted.push({ index: m.index, messageId: messageIdOf(m, prefix), reason });
  }
  notAccepted.sort((a, b) => a.index - b.index);
  // Messages refused before sending do not keep the call open: a call answered is over, and the same
  // call made again later (a daily job) is a new one. The hint says to send only the fixed messages.
  finishRun(run, notAccepted.length === 0, ctx);
  accepted += earlier;
  const rejected = feed.rejected;
  const repeats = feedReport(feed);

  const data = {
    accepted,
    total: state.total,
    requests,
    message_id_prefix: prefix,
    ...(run?.resumed ? { accepted_by_an_earlier_attempt: earlier } : {}),
    rejected_before_sending: rejected,
    not_accepted: notAccepted,
    ...(notAccepted.length ? { not_accepted_ranges: indexRanges(notAccepted.map((m) => m.index)) } : {}),
    ...(notAccepted.length && askedWaitMs !== undefined ? { retry_after_seconds: Math.ceil(askedWaitMs / 1000) } : {}),
    note: accepted > 0 ? ACCEPTED_NOTE : undefined,
    ...repeats.fields,
    ...qualityFields(state.gate?.report()),
  };
  const problems = rejected.length + notAccepted.length;
  const wasStopped = stopped();
  // The audit log's digest of the ids in order, hashed request by request: one string of 25,000 ids
  // joined and hashed at once was a new megabyte string in the call's tail.
  sent.sort((a, b) => a.first - b.first);
  const messageIds: string[] = [];
  const idHash = createHash('sha256');
  for (const { ids } of sent) {
    idHash.update(messageIds.length ? `\n${ids.join('\n')}` : ids.join('\n'));
    for (const id of ids) messageIds.push(id);
  }
  const messageIdsSha256 = idHash.digest('hex');
  const warned = repeats.warnings ? { warnings: repeats.warnings } : {};
  if (problems === 0) return { ok: true, status: lastStatus, messageIds, messageIdsSha256, data, ...warned };
  return {
    ok: false,
    status: lastStatus,
    messageIds,
    messageIdsSha256,
    data,
    ...warned,
    ...(unanswered ? { maybeSent: true } : {}),
    error: {
      kind: accepted > 0 ? 'partial' : notAccepted.length ? 'upstream' : 'validation',
      status: lastStatus,
      message: `${accepted} of ${state.total} messages accepted; ${rejected.length} rejected before sending, ${notAccepted.length} not accepted by Segment.`,
      hint: wasStopped && !refusedAsSent
        ? 'The call was stopped before every message went: repeat the same call (same arguments) and it sends only what was not accepted, under the same messageIds; what Segment took is not sent again.'
        : refusedAsSent
        ? `Segment refused ${refusedAsSent === notAccepted.length ? 'the messages in data.not_accepted' : `${refusedAsSent} of the messages in data.not_accepted`} as written (HTTP 400/413: the reason says why): fix those first, then resend only the messages in data.not_accepted with the same messageIds (yours, or data.message_id_prefix + index for those the router assigned). Segment drops repeats.`
        : notAccepted.length
        ? waitFirst(askedWaitMs) + 'Resend only the messages in data.not_accepted (indices also in data.not_accepted_ranges) with the same messageIds: yours, or data.message_id_prefix + index for those the router assigned. Segment drops repeats, so nothing is counted twice.'
        : 'Fix the messages listed in data.rejected_before_sending (by index) and send just those, in a new call. Do not repeat the whole call: the messages it delivered would go again under new messageIds, and Segment would keep both (messages that bring their own messageId are safe to repeat).',
      ...(rejected.length ? { details: { issues: rejected.flatMap((r) => r.issues ?? []) } } : {}),
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
