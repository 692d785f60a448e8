import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Executor, ExecutionResult } from '../execution/executor.js';
import type { Confirmer } from '../policy/write-policy.js';
import type { Finding, PlanStatus } from '../quality/types.js';
import { LIMITS, REPEATED_IDS_WARNING, SENT_AT_LEFT_OUT_WARNING, sentAtLeftOutText } from '../segment/tracking/delivery.js';
import type { RepeatedId } from '../segment/tracking/batch-feed.js';
import type { MessageType } from '../segment/tracking/schemas.js';
import { CheckpointStore, CheckpointWriter, guardOf, type Checkpoint } from './checkpoint.js';
import { readCsvHeader } from './csv.js';
import { FillTexts } from './chunk-json.js';
import { fileContext } from './ids.js';
import { FileLock, LockedError } from './lock.js';
import { chunksOf, ownReason, type Chunk } from './prepare.js';
import { placeOf, readRecords } from './read.js';
import { countText } from '../util/count-text.js';
import { RejectFile, type Reject } from './reject-file.js';
import { InputError, START, type EventFormat, type SourceRecord } from './source.js';

/**
 * One file imported: records read in order, turned into messages (type, timestamp and a
 * deterministic messageId filled in), and sent in chunks as SEGMENT_BATCH calls through the executor,
 * the one path every call takes (validation, write policy, quality checks, retries, audit,
 * redaction). A few chunks are in flight at once; they settle in file order, and each settled chunk
 * moves the checkpoint: its rejects are in the reject file, its messages accepted by Segment. A run
 * that stops (Ctrl-C, kill -9, Segment unreachable) is taken up by the same command from the last
 * checkpoint; anything sent again goes under the same ids, which Segment drops as repeats.
 */

export interface ImportOptions {
  file: string;
  format: EventFormat;
  /** Call type for records without a `type` field. */
  type?: MessageType;
  /** Timestamp for records without one ("now": the time of the first run); absent: such records are rejected. */
  defaultTimestamp?: string;
  rejectsPath: string;
  /** The person named the reject file (--rejects): a first run or a restart adds to it instead of starting it afresh. */
  rejectsNamed?: boolean;
  /** Ignore an earlier run's checkpoint and read the file from its start. */
  restart?: boolean;
  /** Messages and bytes per SEGMENT_BATCH call (as `Chunk.bytes` counts them), and calls in flight. */
  chunkMessages?: number;
  chunkBytes?: number;
  inflight?: number;
  /** Stop reading: calls in flight finish and settle, then the run ends (a first Ctrl-C). */
  stop?: AbortSignal;
  /** Cancel the calls in flight too (a second Ctrl-C); the checkpoint stays at the last settled chunk. */
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportDeps {
  executor: Executor;
  home: string;
  /** Masks every known secret in text written to the reject file. */
  mask: (text: string) => string;
  /** Confirms the call under --write=ask (the surface asked once for the whole import). */
  confirm?: Confirmer;
}

export interface ImportProgress {
  bytesRead: number;
  read: number;
  accepted: number;
  rejected: number;
}

export interface ImportSummary {
  file: string;
  format: EventFormat;
  /** Records of the file settled in all runs (read, and accepted or rejected). */
  read: number;
  accepted: number;
  rejected: number;
  /** The same counts for this run alone. */
  this_run: { read: number; accepted: number; rejected: number; seconds: number; events_per_second: number };
  /** Set when this run took up an earlier one: the line it started after. */
  resumed_after_line?: number;
  complete: boolean;
  /** Why the run stopped before the end of the file. */
  stopped?: { reason: 'interrupted' | 'not_accepted' | 'refused' | 'cannot_write'; message: string; kind?: string; hint?: string };
  rejects_file?: string;
  validate?: string;
  tracking_plan?: PlanStatus;
  findings_summary?: { errors: number; warnings: number; messages_with_errors: number };
  /** The first findings, each with the line of its message. */
  findings?: (Omit<Finding, 'index'> & { line: number; item?: number })[];
  warnings?: string[];
  /** Nothing left to do: an earlier run imported the whole file. */
  already_imported?: boolean;
  /** Flags that fill records in (`--type=T`, `--default-timestamp=V`) given to a file already read to its end: they fill nothing. */
  fills_too_late?: string[];
}

/**
 * NDJSON and JSON arrays: a SEGMENT_BATCH call carries what one Segment request holds, its list measured
 * as sent (chunk-json.ts), and is closed while the largest record could still join it. Fuller requests
 * cost the receiver less per event. 1,000,000 bench events go in 727 calls instead of 1,000 (of ~330 KB
 * each); by turns against the build before, wall 0.965x, import CPU equal (bench/README.md).
 * The room a call leaves in its request: the largest record, and 1 KB for its fills and the envelope.
 */
const JSON_CHUNK = { messages: LIMITS.messagesPerRequest, bytes: LIMITS.requestBytes - LIMITS.messageBytes - 1_024 };
/**
 * CSV rows: their JSON is made by the call, so their size as written says little of it. 1,000 rows a
 * call, at most 1 MB of rows as written (the 5,000,000 bytes a call allows are far off either way).
 */
const CSV_CHUNK = { messages: 1_000, bytes: 1_000_000 };
/**
 * Calls in flight, as many as the posting ceiling keeps: while some are answered, the next is read and
 * prepared (200,000 events: ~10-25 % faster than two in flight, at a few MB more).
 */
const INFLIGHT = 4;
const LISTED_FINDINGS = 50;
/** Kinds of value warnings listed (each with the first line it was on). */
const LISTED_WARNINGS = 5;

/** The run could not go on; the checkpoint stays at the last settled chunk. */
class Stop extends Error {
  constructor(readonly stopped: NonNullable<ImportSummary['stopped']>) {
    super(stopped.message);
  }
}

/**
 * The run cannot write the reject file or its checkpoint (a full disk, a file size limit): it stops.
 * Nothing is lost: a chunk counts as settled only once both are written, so the next run sends the
 * unsettled chunks again (same ids) and writes their rejects.
 */
function cannotWrite(what: string, err: unknown): Stop {
  const e = err as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof e.code !== 'string') throw err;
  const why = WRITE_FAILURES.has(e.code) ? 'the disk is full, or the file reached the size limit set for this process' : 'the file system refused it';
  const fix = WRITE_FAILURES.has(e.code) ? 'make room' : 'make it writable';
  return new Stop({ reason: 'cannot_write', kind: e.code, message: `Could not write ${what} (${e.message}): ${why}. Nothing settled is lost: ${fix}, then run the same command to go on from the last settled call (lines sent again keep their messageIds).` });
}

/** What a file system says when it cannot take more: a full disk, a size limit, a quota. */
const WRITE_FAILURES = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);

/** The summary of a run that stopped before it read anything. */
function notStarted(opts: ImportOptions, stopped: NonNullable<ImportSummary['stopped']>): ImportSummary {
  const none = { read: 0, accepted: 0, rejected: 0 };
  return { file: opts.file, format: opts.format, ...none, this_run: { ...none, seconds: 0, events_per_second: 0 }, complete: false, stopped };
}

/** An import run while another of the same file, or into the same reject file, is running. */
export class ImportBusyError extends Error {}

/** Where an import's checkpoint and its reject file's note are kept: by the file's real path, and the reject file's. */
async function keysOf(file: string, rejectsPath: string): Promise<{ where: string; key: string; rejectsKey: string }> {
  const where = await realpath(file);
  const rejectsKey = CheckpointStore.key(join(await realpath(dirname(rejectsPath)).catch(() => dirname(rejectsPath)), basename(rejectsPath)));
  return { where, key: CheckpointStore.key(where), rejectsKey };
}

/**
 * Bounds the checkpoints once for a command, before its first file: never those of its own files, so
 * however many it imports, running it again finds every one it finished. A file that cannot be read
 * is left to its own run to report.
 */
export async function pruneCheckpoints(home: string, imports: { file: string; rejectsPath: string }[]): Promise<void> {
  const keep = new Set<string>();
  for (const i of imports) {
    const keys = await keysOf(i.file, i.rejectsPath).catch(() => undefined);
    if (keys) for (const n of CheckpointStore.names(keys.key, keys.rejectsKey)) keep.add(n);
  }
  new CheckpointStore(home).prune({ keep });
}

export async function runImport(deps: ImportDeps, opts: ImportOptions): Promise<ImportSummary> {
  const store = new CheckpointStore(deps.home);
  store.ensureDir();
  const { where, key, rejectsKey } = await keysOf(opts.file, opts.rejectsPath);
  // The file itself, whatever its name: a hard link is a second name no path resolves to the first.
  const st = await stat(opts.file);
  const inode = `${st.dev}:${st.ino}`;
  // Held for the whole run, taken before the checkpoint is read: a second run would write the same
  // checkpoint and reject file (the reject file by its own lock: two inputs may name one).
  const locks: FileLock[] = [];
  try {
    for (const [lockKey, busy] of [
      [key, (pid: number) => `another import of ${opts.file} is running (process ${pid})`],
      [`file-${CheckpointStore.key(inode)}`, (pid: number) => `another import of ${opts.file}, under another name (a hard link to it), is running (process ${pid})`],
      [`rejects-${rejectsKey}`, (pid: number) => `${opts.rejectsPath} is being written by another import (process ${pid}): name another reject file with --rejects`],
    ] as const) {
      try {
        locks.push(FileLock.take(store.lockPath(lockKey)));
      } catch (e) {
        if (WRITE_FAILURES.has((e as NodeJS.ErrnoException).code ?? '')) return notStarted(opts, cannotWrite(`a lock in ${store.dir}`, e).stopped);
        if (!(e instanceof LockedError)) throw e;
        throw new ImportBusyError(`${busy(e.holder.pid)}. Nothing was sent by this run; run it again once that one has finished. If no import is running, delete ${e.path}.`);
      }
    }
    return await importLocked(deps, opts, store, { key, rejectsKey, inode, where });
  } finally {
    for (const l of locks) l.release();
  }
}

/** Which import this is: its checkpoint's key, its reject file's, the file's device and inode, its real path. */
interface ImportKeys {
  key: string;
  rejectsKey: string;
  inode: string;
  where: string;
}

async function importLocked(deps: ImportDeps, opts: ImportOptions, store: CheckpointStore, { key, rejectsKey, inode, where }: ImportKeys): Promise<ImportSummary> {
  const started = performance.now();
  const identity = fileContext(opts.format, opts.format === 'csv' ? (await readCsvHeader(opts.file)).text : '');
  const found = store.load(key);
  const twin = found || opts.restart ? undefined : store.findByInode(inode, key);
  if (twin) {
    // The same file if the other name still leads to it (a hard link); else only if the file still holds what
    // that import read (an inode number is reused once its file is gone; a guard of nothing matches any file).
    const linked = twin.path ? await stat(twin.path).then((s) => `${s.dev}:${s.ino}` === inode, () => false) : undefined;
    // Past its start, the guard tells. At its start (nothing settled, or only an open last line), nothing can
    // be compared: taken for this file when that import may have sent something that a new "now" would send
    // again under new ids (a filled-in time, or a file it finished).
    const same = twin.next.offset > 0 ? (await guardOf(opts.file, twin.next.offset).catch(() => '')) === twin.guard : twin.done || twin.defaultTimestamp !== undefined;
    const anew = 'To import it anew under this name anyway (records then filled in with another time would reach Segment twice), run with --restart.';
    if (linked || (linked === undefined && same)) {
      throw new InputError(`${opts.file} was imported before under another name, "${twin.file}" (a hard link to the same file): run the same command with that name to go on where it stopped, or to find it done. ${anew}`);
    }
    if (same) throw new InputError(`${opts.file} was imported before as ${twin.path}, a name it no longer has (renamed?): give it that name again to go on where it stopped, or to find it done. ${anew}`);
  }
  if (found && found.identity !== identity && !opts.restart) {
    throw new InputError(`${opts.file} was imported before with ${opts.format === 'csv' ? 'another header row' : 'another format'}: every record's messageId derives from it, so running on would send the records already sent again, under new ids. To send records that were rejected, take them from the reject file (each line's "record"${opts.format === 'csv' ? ', under the header row' : ''}), fix them, and import them as a file of their own. To import this file anew anyway (Segment then keeps both copies of what was sent), run the same command with --restart.`);
  }
  const earlier = found?.identity === identity ? found : undefined;
  const cp = opts.restart ? undefined : earlier;
  if (cp && (await guardOf(opts.file, cp.next.offset).catch(() => '')) !== cp.guard) {
    const since = cp.done ? 'read it to its end: it is not the file that was imported' : `stopped (at line ${cp.next.line}): it cannot be taken up where it stopped`;
    throw new InputError(`${opts.file} changed since the last import of it ${since}. Run the same command with --restart to import it from its start (lines that did not change keep their messageIds, so Segment drops the ones it already has).`);
  }
  const now = new Date().toISOString();
  // "now" is fixed by the first run and kept by every later one (--restart too): the filled-in time is part of the id.
  // Only a "now": a time given by hand is not what a later --default-timestamp=now asks for.
  const earlierNow = earlier?.defaultTimestamp !== undefined && earlier.defaultTimestampNow !== false ? earlier.defaultTimestamp : undefined;
  const defaultTimestamp = opts.defaultTimestamp === 'now' ? (earlierNow ?? now) : opts.defaultTimestamp;
  const base = { ...(cp?.counts ?? { read: 0, accepted: 0, rejected: 0 }) };
  const rejects = new RejectFile(opts.rejectsPath, await rejectsKept(opts, cp, store.rejectsWriter(rejectsKey) === key), deps.mask, () => store.setRejectsWriter(rejectsKey, key));
  const run = { read: 0, accepted: 0, rejected: 0 };
  const quality = { errors: 0, warnings: 0, withErrors: 0, findings: [] as NonNullable<ImportSummary['findings']>, plan: undefined as PlanStatus | undefined, mode: undefined as string | undefined };
  const warnings = new Set<string>();
  /** Records that bring the messageId of an earlier record of the same call (Segment keeps the first): how many, and the first. */
  const repeats = { count: 0, first: '' };
  /** Records sent without the sentAt they came with (delivery.ts says why), in this run. */
  let sentAtLeftOut = 0;
  const from = cp?.next ?? START;
  const resumedAfter = cp && cp.next.offset > 0 ? cp.next.line : undefined;
  let bytesRead = from.offset;
  // A first run's reject file may hold lines already (a named, shared one): they are not this import's to cut.
  const state: Checkpoint = cp ? { ...cp, inode, path: where } : { v: 2, file: basename(opts.file), path: where, identity, next: START, guard: '', rejectsBytes: rejects.bytes, rejectsEnd: rejects.bytes, counts: base, ...(defaultTimestamp ? { defaultTimestamp } : {}), inode, done: false, startedAt: now, updatedAt: now };

  const summary = (complete: boolean, extra: Partial<ImportSummary> = {}): ImportSummary => {
    const seconds = (performance.now() - started) / 1000;
    return {
      file: opts.file,
      format: opts.format,
      read: base.read + run.read,
      accepted: base.accepted + run.accepted,
      rejected: base.rejected + run.rejected,
      this_run: { ...run, seconds: Math.round(seconds * 100) / 100, events_per_second: seconds > 0 ? Math.round(run.accepted / seconds) : 0 },
      ...(resumedAfter !== undefined ? { resumed_after_line: resumedAfter } : {}),
      complete,
      ...(rejects.used ? { rejects_file: opts.rejectsPath } : {}),
      ...(quality.mode ? { validate: quality.mode } : {}),
      ...(quality.plan ? { tracking_plan: quality.plan } : {}),
      ...(quality.mode && quality.mode !== 'off' ? { findings_summary: { errors: quality.errors, warnings: quality.warnings, messages_with_errors: quality.withErrors } } : {}),
      ...(quality.findings.length ? { findings: quality.findings } : {}),
      ...(warnings.size || repeats.count || sentAtLeftOut ? { warnings: [...(repeats.count ? [repeatsWarning(repeats)] : []), ...(sentAtLeftOut ? [sentAtLeftOutText(sentAtLeftOut, 'record')] : []), ...warnings].slice(0, 5) } : {}),
      ...extra,
    };
  };

  // A file imported whole is not sent again (unless it grew since: then the new lines are).
  // (A last line without its line break, or blank lines at the end, leave `next` before the end: the size tells.)
  if (cp?.done && (await stat(opts.file)).size === (cp.size ?? cp.next.offset)) {
    // The open last record was sent (or rejected) by that run, and is not read again: it counts too.
    const o = cp.openCounts;
    if (o) Object.assign(base, { read: base.read + o.read, accepted: base.accepted + o.accepted, rejected: base.rejected + o.rejected });
    // A fill given now that the finished run did not have (the advice of a reject) has nothing left to fill.
    const late = [...(opts.type && !cp.type ? [`--type=${opts.type}`] : []), ...(opts.defaultTimestamp && !cp.defaultTimestamp ? [`--default-timestamp=${opts.defaultTimestamp}`] : [])];
    return summary(true, { already_imported: true, ...(late.length ? { fills_too_late: late } : {}), ...(base.rejected ? { rejects_file: opts.rejectsPath } : {}) });
  }
  if (cp) refuseChangedFills(opts, cp);
  // What the ids of records without a type or timestamp derive from, for the next run to compare.
  if (opts.type) state.type = opts.type;
  if (defaultTimestamp) {
    state.defaultTimestamp = defaultTimestamp;
    state.defaultTimestampNow = opts.defaultTimestamp === 'now';
  }
  state.done = false;
  if (cp) rejects.cutBack();
  // The size when reading starts: lines added while this run reads, or after, make the next run read on.
  const sizeAtStart = (await stat(opts.file)).size;

  const progress = () => opts.onProgress?.({ bytesRead, read: base.read + run.read, accepted: base.accepted + run.accepted, rejected: base.rejected + run.rejected });
  const confirm = deps.confirm;
  const queue: { chunk: Chunk; result: Promise<ExecutionResult | undefined> }[] = [];

  const chunkSize = opts.format === 'csv' ? CSV_CHUNK : JSON_CHUNK;
  const chunkMessages = opts.chunkMessages ?? chunkSize.messages;
  const chunkBytes = opts.chunkBytes ?? chunkSize.bytes;
  const inflight = opts.inflight ?? INFLIGHT;
  // Records of JSON files are sent as their own bytes; a CSV row, not JSON, as its message serialised.
  const texts = new FillTexts(opts.type, defaultTimestamp);
  /** Buffers of settled chunks' lists, written over by the next chunks: the list of a call is not read once it is answered. */
  const spare: Buffer[] = [];
  const chunks = chunksOf(readRecords(opts.file, opts.format, from, undefined, false), { identity, ...(opts.type ? { type: opts.type } : {}), ...(defaultTimestamp ? { defaultTimestamp } : {}), texts, chunkMessages, chunkBytes, spare: () => spare.pop() }, from);
  /** A chunk's messages go out as one SEGMENT_BATCH call, as any caller's would. */
  const send = (chunk: Chunk): Promise<ExecutionResult | undefined> => {
    if (!chunk.count) return Promise.resolve(undefined);
    const batch = chunk.list.list();
    return deps.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch }, maxAnswerBytes: Number.MAX_SAFE_INTEGER }, { ...(confirm ? { confirm } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  };

  /** The oldest chunk in flight, settled: rejects written, counts moved, checkpoint saved. */
  /** Whether some call of this run got past the write policy and the connection (and so may have reached Segment). */
  let sentAny = false;
  /** What became of the file's open last record in this run (settle), for the checkpoint of a finished run. */
  let openCounts: Checkpoint['openCounts'];
  const wentOut = (r: ExecutionResult | undefined) => r !== undefined && (r.successful || !REFUSED_KINDS.has(r.error?.kind ?? ''));
  const anySent = async () => sentAny || (await Promise.all(queue.map((q) => q.result.catch(() => undefined)))).some(wentOut);
  const settle = async () => {
    const { chunk, result } = queue.shift()!;
    const r = await result;
    if (wentOut(r)) sentAny = true;
    const out = r ? outcome(r, chunk) : { accepted: 0, rejects: [] as Reject[] };
    const all = [...chunk.rejects, ...out.rejects].sort((a, b) => a.line - b.line || (a.item ?? 0) - (b.item ?? 0));
    try {
      rejects.write(all);
      if (all.length) await rejects.sync();
    } catch (err) {
      throw cannotWrite(`the reject file ${opts.rejectsPath}`, err);
    }
    // The list's buffer is not read again: the next chunk writes over it.
    if (spare.length < inflight) spare.push(chunk.list.buffer);
    run.read += chunk.read;
    run.accepted += out.accepted;
    run.rejected += all.length;
    if (r) noteQuality(r, chunk);
    if (r) noteRepeats(r, chunk);
    if (chunk.open) {
      openCounts = { read: chunk.read, accepted: out.accepted, rejected: all.length };
      return progress();
    }
    state.next = chunk.next;
    state.rejectsBytes = rejects.bytes;
    state.rejectsEnd = rejects.bytes;
    state.counts = { read: base.read + run.read, accepted: base.accepted + run.accepted, rejected: base.rejected + run.rejected };
    try {
      checkpoints.soon(state);
    } catch (err) {
      throw cannotWrite(`the checkpoint in ${store.dir}`, err);
    }
    progress();
  };

  /** The checkpoint as settled so far, written in the background as chunks settle, and at the end. */
  const checkpoints = new CheckpointWriter(async (cp, durable) => {
    cp.guard = await guardOf(opts.file, cp.next.offset);
    cp.updatedAt = new Date().toISOString();
    await store.save(key, cp, durable);
  });

  const outcome = (r: ExecutionResult, chunk: Chunk): { accepted: number; rejects: Reject[] } => {
    const data = (r.data ?? {}) as { accepted?: number; rejected_before_sending?: { index: number; reason: string }[]; not_accepted?: { index: number; reason: string; status?: number }[] };
    if (!r.successful && opts.signal?.aborted) throw new Stop({ reason: 'interrupted', message: 'Stopped (Ctrl-C, or a signal to stop) before Segment answered every request.' });
    // Refused as written (HTTP 400/413): sent again unchanged, they would be refused again, and the import
    // would stop at the same place on every run. They are rejects; anything else not accepted stops the run.
    const refusedAsWritten = (data.not_accepted ?? []).filter((x) => x.status === 400 || x.status === 413);
    if (!r.successful) {
      const e = r.error!;
      if (REFUSED_KINDS.has(e.kind)) throw new Stop({ reason: 'refused', kind: e.kind, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
      const unsent = (data.not_accepted ?? []).filter((x) => x.status !== 400 && x.status !== 413);
      if (unsent.length || (!data.rejected_before_sending && !refusedAsWritten.length)) {
        const first = unsent[0]?.reason ?? e.message;
        const firstLine = originOf(chunk, 0);
        throw new Stop({ reason: 'not_accepted', kind: e.kind, message: `Segment did not accept every message of the lines from ${firstLine ? placeOf(firstLine) : 'the chunk'}: ${first}` });
      }
    }
    const asRejects = (list: { index: number; reason: string }[], reasonOf: (reason: string) => string) =>
      list.map((x) => {
        const o = originOf(chunk, x.index)!;
        return { line: o.line, ...(o.item !== undefined ? { item: o.item } : {}), reason: reasonOf(x.reason), raw: chunk.list.record(x.index) };
      });
    const rejected = [
      ...asRejects(data.rejected_before_sending ?? [], ownReason),
      ...asRejects(refusedAsWritten, (reason) => `Segment refused the request that carried this record (${reason}); it refuses a whole request for one bad message, so the other records of that request are here too`),
    ];
    return { accepted: data.accepted ?? (r.successful ? chunk.count : 0), rejects: rejected };
  };

  const noteRepeats = (r: ExecutionResult, chunk: Chunk) => {
    const data = r.data as { repeated_message_ids?: RepeatedId[]; repeated_message_ids_total?: number } | undefined;
    const listed = data?.repeated_message_ids;
    if (!listed?.length) return;
    repeats.count += data!.repeated_message_ids_total ?? listed.length;
    const x = listed[0]!;
    repeats.first ||= `${placeOf(originOf(chunk, x.index)!)} repeats ${JSON.stringify(x.messageId)} of ${placeOf(originOf(chunk, x.first_index)!)}`;
  };

  const noteQuality = (r: ExecutionResult, chunk: Chunk) => {
    // The call names repeated messageIds by index, and counts the sentAt it left out: the summary says
    // them once for the run (noteRepeats, sentAtLeftOutText).
    for (const w of r.warnings ?? []) if (!w.startsWith(REPEATED_IDS_WARNING) && !w.startsWith(SENT_AT_LEFT_OUT_WARNING)) warnings.add(w);
    sentAtLeftOut += (r.data as { sent_at_left_out?: number } | undefined)?.sent_at_left_out ?? 0;
    const data = r.data as { validate?: string; tracking_plan?: PlanStatus; findings?: Finding[]; findings_summary?: { errors: number; warnings: number; messages_with_errors: number } } | undefined;
    if (!data?.validate) return;
    quality.mode = data.validate;
    quality.plan = data.tracking_plan ?? quality.plan;
    const s = data.findings_summary;
    if (s) {
      quality.errors += s.errors;
      quality.warnings += s.warnings;
      quality.withErrors += s.messages_with_errors;
    }
    for (const f of data.findings ?? []) {
      if (quality.findings.length >= LISTED_FINDINGS) break;
      const { index, ...rest } = f;
      const o = originOf(chunk, index);
      if (o) quality.findings.push({ ...rest, line: o.line, ...(o.item !== undefined ? { item: o.item } : {}) });
    }
  };

  /** Values sent but maybe not as meant (an integer past 2^53): said once per kind, with the first line it was on. */
  const kinds = new Set<string>();
  const warn = (text: string) => {
    const kind = text.replace(/^(item \d+ \()?line \d+\)?: /, '');
    if (kinds.has(kind) || kinds.size >= LISTED_WARNINGS) return;
    kinds.add(kind);
    warnings.add(text);
  };

  try {
    // On disk before the first call goes out: the reject file's size as this run found it (a run after one
    // that stopped before its first checkpoint would not know what to cut, and a resume that adds after
    // another import's lines would cut them), and the --type and --default-timestamp this run fills in
    // (part of every id it makes): a run killed after its first calls went out, before any settled, is
    // taken up with the same values or refused. A disk too full for it stops the run here, before anything is sent.
    state.rejectsBytes = state.rejectsEnd = rejects.bytes;
    await checkpoints.now(state).catch((err: unknown) => {
      throw cannotWrite(`the checkpoint in ${store.dir}`, err);
    });
    for await (const chunk of chunks) {
      // Once stopped, nothing new is sent: only what is in flight settles.
      if (opts.stop?.aborted || opts.signal?.aborted) break;
      bytesRead = chunk.next.offset;
      for (const w of chunk.warnings) warn(w);
      queue.push({ chunk, result: send(chunk) });
      while (queue.length >= inflight) await settle();
      progress();
    }
    const interrupted = opts.stop?.aborted || opts.signal?.aborted;
    while (queue.length) await settle();
    if (interrupted) throw new Stop({ reason: 'interrupted', message: 'Stopped (Ctrl-C, or a signal to stop).' });
    state.done = true;
    state.size = sizeAtStart;
    if (openCounts) state.openCounts = openCounts;
    else delete state.openCounts;
    state.rejectsEnd = rejects.bytes;
    await checkpoints.now(state).catch((err: unknown) => {
      throw cannotWrite(`the checkpoint in ${store.dir}`, err);
    });
    return summary(true);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    // Calls still in flight finish (their ids are fixed), but the checkpoint stays after the last settled call.
    await Promise.allSettled(queue.map((q) => q.result));
    // On a full disk this write fails too: the last checkpoint written stands, and the summary still comes.
    // A run that stopped is not done, whatever the write that failed was about to say.
    state.done = false;
    // Refused before anything went (the write policy, no write key): the values this run would have
    // filled in bind no later run. Whatever an earlier run filled in stays.
    if (err.stopped.reason === 'refused' && !(await anySent())) {
      state.type = cp?.type;
      state.defaultTimestamp = cp?.defaultTimestamp ?? (opts.defaultTimestamp === 'now' ? defaultTimestamp : undefined);
      state.defaultTimestampNow = cp ? cp.defaultTimestampNow : opts.defaultTimestamp === 'now' || undefined;
    }
    const failed = await checkpoints.now(state).then(() => undefined, (e: unknown) => e);
    return summary(false, { stopped: failed && err.stopped.reason !== 'cannot_write' ? cannotWrite(`the checkpoint in ${store.dir}`, failed).stopped : err.stopped });
  } finally {
    // No write of the checkpoint outlives the run (and its lock).
    await checkpoints.settled();
    rejects.close();
  }
}

/**
 * What a run keeps of an existing reject file. A resume cuts it back to what the checkpoint counted
 * (rejects written after it are written again). But a reject file may be shared: one the person named
 * gets a first run's lines added; and one that is not as the last checkpoint left it is cut only when
 * the lines past it are this import's own (`lastWriter`: it wrote to the file last, in a run that
 * stopped before its checkpoint caught up); lines another import added are kept, and this run's added
 * after them.
 */
async function rejectsKept(opts: ImportOptions, cp: Checkpoint | undefined, lastWriter: boolean): Promise<number | 'append'> {
  if (!cp) return opts.rejectsNamed ? 'append' : 0;
  if (cp.rejectsEnd !== undefined) {
    const size = await stat(opts.rejectsPath).then((st) => st.size, () => 0);
    // A run that ended wrote its checkpoint after its last line: anything past it is another import's.
    if (size !== cp.rejectsEnd && (cp.done || !lastWriter)) return 'append';
  }
  return cp.rejectsBytes;
}

/**
 * A run that takes up an earlier one fills in what the earlier one did: a record without a type or a
 * timestamp was sent with the earlier run's, and its messageId derives from them. Another value would
 * send the records of the last unsettled calls again, under new ids. Adding a fill the earlier run did
 * not have is fine: the records it fills were rejected then, never sent.
 */
/** A call that failed so is refused before anything is sent: the write policy, no working key, no such tool. */
const REFUSED_KINDS = new Set(['policy', 'not_connected', 'unknown_tool']);

function refuseChangedFills(opts: ImportOptions, cp: Checkpoint): void {
  const again = (flag: string) => `Run the same command with ${flag} to go on, or with --restart to import the file anew (Segment then keeps both copies of what the two values sent).`;
  if (cp.type && opts.type !== cp.type) {
    throw new InputError(`${opts.file} was imported before with --type ${cp.type}: records without a type were sent as ${cp.type}, and their messageIds derive from it. ${again(`--type ${cp.type}`)}`);
  }
  // --default-timestamp=now takes up a run that used "now" (its time is kept), not one given a time by hand.
  const sameTime = opts.defaultTimestamp === 'now' ? cp.defaultTimestampNow !== false : opts.defaultTimestamp === cp.defaultTimestamp;
  if (cp.defaultTimestamp && !sameTime) {
    throw new InputError(`${opts.file} was imported before with --default-timestamp ${cp.defaultTimestamp}: records without a timestamp were sent with it, and their messageIds derive from it. ${again(`--default-timestamp ${cp.defaultTimestamp}`)}`);
  }
}

/**
 * Records sent with the messageId of an earlier one: Segment keeps the first and drops the others.
 * Seen within a call (up to ~2,500 records), not across a whole file: that would hold every id in memory.
 */
function repeatsWarning(r: { count: number; first: string }): string {
  return `${countText(r.count)} record${r.count === 1 ? ' repeats' : 's repeat'} the messageId of an earlier one (${r.first}): Segment keeps only the first record of each messageId and drops the others. If they are different events, give each its own messageId (or none: the import then derives one from the line).`;
}

/** The line (and item) of the chunk's message at `index`. */
function originOf(chunk: Chunk, index: number): Pick<SourceRecord, 'line' | 'item'> | undefined {
  const line = chunk.lines[index];
  if (line === undefined) return undefined;
  const item = chunk.items[index]!;
  return item ? { line, item } : { line };
}

