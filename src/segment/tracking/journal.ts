import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lineBreakBefore } from '../../util/line-break.js';
import { replaceFileSync, writeAllSync } from '../../util/write-all.js';
import { IndexSet, type Range } from './index-set.js';
import { withFileLockAsync } from '../../util/file-lock.js';

/**
 * The delivery journal: what makes repeating a tracking call after a crash harmless.
 *
 * Before a call's first request, a `begin` line records the call's fingerprint (a hash of what was
 * asked), the id prefix and default timestamp the router assigned, and which process runs it; it is
 * fsynced. Each accepted request appends an `ack` line (the message indices). When nothing of the call
 * is left unaccepted, an `end` line closes it (fsynced); a call that stops with some not accepted is
 * left open with a `release` line. A call whose fingerprint matches an open entry of a process that is
 * gone (or that released it, or of this process, no longer running) is a repeat of a call that never
 * got its answer: it takes over that entry's ids and timestamp and sends only what was not acked. One
 * that matches a call still running waits for it (`busy`, delivery.ts).
 * A call that ended is forgotten: repeating it later is a new call with new ids.
 *
 * What survives which crash: a killed process (kill -9, OOM, Ctrl-C) loses nothing it wrote; the
 * machine going down loses at most the acks written since the last fsync, so a repeat re-sends those
 * messages under the same ids, which Segment drops as duplicates. Never in it: payloads, keys, tokens;
 * only hashes, ids and counts. Bounded: compacted to its open entries when over `maxBytes`; open
 * entries older than `maxAgeMs` (Segment's deduplication window is about 24 hours) are dropped then,
 * and so are the oldest open ones past half of `maxBytes` (calls left open with thousands of
 * scattered acks would otherwise keep it over the bound, rewritten at every call).
 */

export const JOURNAL_FILE = 'tracking-journal.jsonl';
/** Private to the user, like the rest of the config home. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

interface Begin {
  t: 'begin';
  id: string;
  fp: string;
  pid: number;
  /** This process's life: a pid reused by a later process is not the same runner. */
  life: string;
  prefix: string;
  now: string;
  total: number;
  at: number;
  /** Indices already accepted, carried over from the entry this one took over. */
  acked?: Range[];
}
/** `end` with `done`: the call is over; without: its entry was taken over by a repeat. `release`: left open, no longer running. */
type Line = Begin | { t: 'ack'; id: string; r: Range[] } | { t: 'end'; id: string; done?: 1 } | { t: 'release'; id: string; settled?: 1 } | { t: 'drop'; id: string; at?: number } | { t: 'gen'; id: string };

interface Entry {
  begin: Begin;
  acked: IndexSet;
  /** Left open by its process, which runs it no more (a repeat may take it over while that process lives). */
  released?: boolean;
  /** Left open only until its caller has the answer: everything was accepted (`settle`). */
  settled?: boolean;
}

/** How a run of the same call that was running when a repeat came has ended, for the repeat to answer by. */
export interface RunEnd {
  /** True when it ended (everything accepted, or refused before sending): the repeat sends nothing. */
  ended: boolean;
  prefix: string;
  now: string;
}

/**
 * Whether the same call is running now: in this process (`here`: how it ends), or in another live
 * process (`elsewhere`: its pid and its entry's id).
 */
export type Busy = { here: Promise<RunEnd> } | { elsewhere: RunningElsewhere } | undefined;

/** Another process's run of a call, as a repeat waiting for it saw it. */
export interface RunningElsewhere {
  pid: number;
  id: string;
  fp: string;
  total: number;
  prefix: string;
  now: string;
}

/** A run as it was when it ended: enough to open it again (`reopen`). */
export interface EndedRun {
  begin: Begin;
  acked: Range[];
}

export interface JournalRun {
  id: string;
  prefix: string;
  now: string;
  /** Indices accepted by an earlier attempt of this same call (empty for a new call). */
  acked: IndexSet;
  resumed: boolean;
}

const LIFE = randomUUID();
const MAX_DROPS_KEPT = 10_000;
/** Writes of one line to a journal that other processes compact again and again under it. */
const MAX_WRITE_ROUNDS = 100;
/** How a run that did not end reads to a repeat waiting on it: it takes the run over. */
const LEFT_OPEN: RunEnd = Object.freeze({ ended: false, prefix: '', now: '' });
/** How long another live process's open entry is taken for a call it may still be running. */
const OTHERS_RUNNING_MS = 60 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DeliveryJournal {
  readonly path: string;
  private fd: number | undefined;
  private ino: number | undefined;
  private readonly running = new Set<string>();
  /** This process's running calls by fingerprint: a repeat that comes meanwhile waits for how each ends. */
  private readonly runningFp = new Map<string, { id: string; total: number; end: Promise<RunEnd>; settle: (ended: boolean) => void }>();
  /** Calls ended (done) lately, by entry id, with their ids and timestamp: a repeat waiting on another process answers by them. */
  private readonly ended = new Map<string, { prefix: string; now: string }>();
  /** Entries a compaction dropped while still open (`drop` lines), with when they began: gone, but not ended. */
  private readonly dropped = new Map<string, number>();
  private cache: { entries: Map<string, Entry>; offset: number; ino?: number; gen?: string } = { entries: new Map(), offset: 0 };

  constructor(
    private readonly dir: string,
    private readonly opts: { maxBytes: number; maxAgeMs: number } = { maxBytes: 1_000_000, maxAgeMs: 24 * 3600_000 },
  ) {
    this.path = join(dir, JOURNAL_FILE);
  }

  /**
   * Starts a call: takes over an abandoned entry with the same fingerprint, or records a new one with
   * the ids and timestamp given. Returns once the `begin` line is on disk.
   */
  begin(fp: string, fresh: { prefix: string; now: string; total: number }): JournalRun {
    const entries = this.read();
    if (this.size() > this.opts.maxBytes) this.compact(entries);
    const orphan = [...entries.values()]
      .filter((e) => e.begin.fp === fp && e.begin.total === fresh.total && !this.running.has(e.begin.id))
      .filter((e) => e.released || e.begin.life === LIFE || !alive(e.begin.pid) || e.begin.pid === process.pid)
      .filter((e) => Date.now() - e.begin.at < this.opts.maxAgeMs)
      .sort((a, b) => b.begin.at - a.begin.at)[0];
    const id = randomUUID();
    const base = orphan?.begin ?? { prefix: fresh.prefix, now: fresh.now };
    const acked = orphan?.acked ?? new IndexSet();
    const line: Begin = { t: 'begin', id, fp, pid: process.pid, life: LIFE, prefix: base.prefix, now: base.now, total: fresh.total, at: Date.now(), ...(acked.size ? { acked: acked.ranges() } : {}) };
    // The new entry carries everything the old one knew; the old one is closed in the same fsynced write.
    this.append([...(orphan ? [{ t: 'end', id: orphan.begin.id } as Line] : []), line], true);
    this.running.add(id);
    let settle!: (ended: boolean) => void;
    const end = new Promise<boolean>((r) => (settle = r)).then((ended) => ({ ended, prefix: base.prefix, now: base.now }));
    this.runningFp.set(fp, { id, total: fresh.total, end, settle });
    return { id, prefix: base.prefix, now: base.now, acked, resumed: !!orphan };
  }

  /**
   * Whether a call with this fingerprint and size runs now. A repeat that arrives meanwhile (a client
   * that gave up waiting and asked again) must not start a second run: under new ids everything would
   * go twice. Here it waits for the run to end; in another live process it looks again later.
   */
  busy(fp: string, total: number): Busy {
    const here = this.runningFp.get(fp);
    if (here && here.total === total) return { here: here.end };
    const other = [...this.read().values()].find((e) => e.begin.fp === fp && e.begin.total === total && !e.released && e.begin.life !== LIFE && Date.now() - e.begin.at < OTHERS_RUNNING_MS && alive(e.begin.pid));
    return other ? { elsewhere: { pid: other.begin.pid, id: other.begin.id, fp, total, prefix: other.begin.prefix, now: other.begin.now } } : undefined;
  }

  /**
   * How another process's run ended, once it has: done (its ids and timestamp), or not (released, its
   * process gone, taken over); undefined while it runs. An entry gone from the file without an `end` line
   * read here was ended and compacted away, unless a newer entry of the same call took it over.
   */
  endOf(seen: RunningElsewhere): RunEnd | undefined {
    const entries = this.read();
    const entry = entries.get(seen.id);
    // Settled: every message accepted, the answer on its way to its caller; the waiter answers by it (taken
    // for left open, it began anew, under new ids, when the answer's end came before its begin).
    if (entry?.settled) return { ended: true, prefix: entry.begin.prefix, now: entry.begin.now };
    if (entry) return !entry.released && alive(entry.begin.pid) ? undefined : LEFT_OPEN;
    const done = this.ended.get(seen.id);
    if (done) return { ended: true, ...done };
    // Dropped open by a compaction over its bound: nothing says it ended, so it did not.
    if (this.dropped.has(seen.id)) return LEFT_OPEN;
    const successor = [...entries.values()].some((e) => e.begin.fp === seen.fp && e.begin.total === seen.total);
    return successor ? LEFT_OPEN : { ended: true, prefix: seen.prefix, now: seen.now };
  }

  /** Records indices Segment accepted. Not fsynced: see the note on machine crashes above. */
  ack(id: string, indices: number[]): void {
    this.append([{ t: 'ack', id, r: IndexSet.of(indices).ranges() }], false);
  }

  /**
   * Closes a call: everything was accepted (or can never be sent). A repeat is now a new call. Answers
   * the run as it was, when it was open, for `reopen`.
   */
  end(id: string): EndedRun | undefined {
    // Settled here even if the line cannot be written (a full disk): a repeat waiting in this process
    // must not wait on for a call that is over.
    try {
      const entry = this.read().get(id);
      this.append([{ t: 'end', id, done: 1 }], true);
      return entry && { begin: entry.begin, acked: entry.acked.ranges() };
    } finally {
      this.stopped(id, true);
    }
  }

  /**
   * Opens again, left open, a run that ended: its caller dropped the answer after all (an MCP cancel that
   * crossed it), so its repeat must find it and send nothing again. A new entry, as a repeat's takeover
   * writes one: the same call, ids and timestamp, what was acked.
   */
  reopen(ended: EndedRun): void {
    const id = randomUUID();
    const begin: Begin = { ...ended.begin, id, pid: process.pid, life: LIFE, at: Date.now(), acked: ended.acked };
    this.append([begin, { t: 'release', id }], true);
  }

  /**
   * Everything was accepted, but the caller does not have the answer yet: left open, `acked` recorded
   * with it (a single call's one message), so a repeat from a caller that never got the answer sends
   * nothing again. `end` follows once the answer is out (util/answer-receipts.ts).
   */
  settle(id: string, acked: Range[]): void {
    try {
      this.append([...(acked.length ? [{ t: 'ack', id, r: acked } as Line] : []), { t: 'release', id, settled: 1 }], false);
    } finally {
      // A repeat waiting on it meanwhile answers by it: the call is done, only its answer is on its way.
      this.stopped(id, true);
    }
  }

  /** Leaves a call open (cancelled, or some messages not accepted): a repeat takes it over. */
  release(id: string): void {
    // Said in the file too: a repeat in another process may take it over while this one lives.
    try {
      this.append([{ t: 'release', id }], false);
    } finally {
      this.stopped(id, false);
    }
  }

  private stopped(id: string, ended: boolean): void {
    this.running.delete(id);
    for (const [fp, r] of this.runningFp) {
      if (r.id !== id) continue;
      this.runningFp.delete(fp);
      r.settle(ended);
    }
  }

  private size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /**
   * Open entries by id, read incrementally: only what was appended since the last look (by this or
   * any other process), or the whole file again after a compaction. A torn last line is left for later.
   */
  private read(): Map<string, Entry> {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return this.cache.entries;
    }
    let chunk: Buffer;
    try {
      // One open file for its size, its first line and its tail: a compaction between looks cannot mix two files.
      const st = fstatSync(fd);
      // A compacted file can get the inode number of one it replaced: its first line (each compaction's own id) tells them apart.
      const gen = generationOf(fd);
      if (st.ino !== this.cache.ino || st.size < this.cache.offset || gen !== this.cache.gen) this.cache = { entries: new Map(), offset: 0, ino: st.ino, gen };
      if (st.size === this.cache.offset) return this.cache.entries;
      chunk = Buffer.alloc(st.size - this.cache.offset);
      chunk = chunk.subarray(0, readSync(fd, chunk, 0, chunk.length, this.cache.offset));
    } finally {
      closeSync(fd);
    }
    const end = chunk.lastIndexOf(0x0a) + 1;
    this.cache.offset += end;
    const entries = this.cache.entries;
    for (const raw of chunk.subarray(0, end).toString('utf8').split('\n')) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue;
      }
      if (line.t === 'begin') {
        // A begin read twice (copied by a compaction and written again by its writer) keeps what was acked since.
        const known = entries.get(line.id);
        if (known) known.acked.addRanges(line.acked ?? []);
        else entries.set(line.id, { begin: line, acked: IndexSet.fromRanges(line.acked ?? []) });
      }
      else if (line.t === 'ack') entries.get(line.id)?.acked.addRanges(line.r);
      else if (line.t === 'release') {
        const e = entries.get(line.id);
        if (e) {
          e.released = true;
          if (line.settled) e.settled = true;
        }
      } else if (line.t === 'gen') {
        continue;
      } else if (line.t === 'drop') {
        entries.delete(line.id);
        this.dropped.set(line.id, line.at ?? 0);
      } else {
        const e = entries.get(line.id);
        if (e && line.done) this.noteEnded(line.id, e.begin);
        entries.delete(line.id);
      }
    }
    // Drops are kept as long as the file keeps them (a quarter of its bound: thousands), so a compaction writes
    // them on; past 10,000, the runs that began first go (the file lists the newest first).
    if (this.dropped.size > MAX_DROPS_KEPT) {
      const newest = [...this.dropped].sort((a, b) => b[1] - a[1]).slice(0, MAX_DROPS_KEPT);
      this.dropped.clear();
      for (const [id, at] of newest) this.dropped.set(id, at);
    }
    return entries;
  }

  private noteEnded(id: string, begin: Begin): void {
    this.ended.set(id, { prefix: begin.prefix, now: begin.now });
    // Only a repeat waiting right now reads these: the newest few hundred are plenty.
    if (this.ended.size > 256) this.ended.delete(this.ended.keys().next().value!);
  }

  /** Rewrites the file with only its open, recent entries (acks folded into their begin line). */
  private compact(entries: Map<string, Entry>): void {
    const recent = [...entries.values()].filter((e) => Date.now() - e.begin.at < this.opts.maxAgeMs).sort((a, b) => b.begin.at - a.begin.at);
    const lines: string[] = [];
    /** Open entries left out: said in the new file, so a repeat waiting on one does not take it for ended. */
    const dropped = new Map<string, number>();
    let bytes = 0;
    for (const e of recent) {
      const line = JSON.stringify({ ...e.begin, acked: e.acked.ranges() }) + '\n';
      // A call still running (here, or in a process that is alive) is always kept: its acks are still to
      // come, and a repeat after its process dies must find it. Of the rest, the newest: those a client
      // is still likely to repeat.
      // Another live process's entry may be running or left open: only that process knows. Kept while
      // recent (an MCP call answers within a minute; a task within its hour), else within the budget.
      const running = this.running.has(e.begin.id) || (e.begin.life !== LIFE && Date.now() - e.begin.at < OTHERS_RUNNING_MS && alive(e.begin.pid));
      if (!running && bytes + line.length > this.opts.maxBytes / 2 && lines.length) {
        // Only a live process's run can have a repeat waiting on it (busy): a dead one's needs no word.
        if (alive(e.begin.pid)) dropped.set(e.begin.id, e.begin.at);
        continue;
      }
      // Reversed below: a release line pushed before its begin line comes after it in the file.
      if (e.released) lines.push(JSON.stringify({ t: 'release', id: e.begin.id, ...(e.settled ? { settled: 1 } : {}) }) + '\n');
      lines.push(line);
      bytes += line.length;
    }
    // Other processes append acks, ends and releases while this one compacts (a begin is written under
    // the lock a compaction holds): those that landed in the old file after it was read go into the new
    // one, before and again just after it takes the old one's place. One written to the old file later
    // still is written again by its writer (`append`). A line twice is harmless (`read`).
    const old = openSync(this.path, 'r');
    try {
      const late = completeLines(old, this.cache.offset);
      // A journal cut short by a full disk must not replace the whole one: replaced only once written whole.
      // This compaction's drops and those of the ones before it (read from the file), the newest first, within a
      // quarter of the bound. Said while a repeat may wait on them: a wait begins within the hour a run is taken
      // for running and lasts at most a call's deadline, so two hours.
      let drops = '';
      const said = [...new Map([...this.dropped, ...dropped])].filter(([, at]) => Date.now() - at < 2 * OTHERS_RUNNING_MS).sort((a, b) => b[1] - a[1]);
      for (const [id, at] of said) {
        const line = JSON.stringify({ t: 'drop', id, at }) + '\n';
        if (drops.length + line.length > this.opts.maxBytes / 4) break;
        drops += line;
      }
      replaceFileSync(this.path, JSON.stringify({ t: 'gen', id: randomUUID() }) + '\n' + drops + lines.reverse().join('') + late.text, FILE_MODE);
      const fd = this.reopenIfMoved(true);
      this.cache = { entries: new Map(), offset: 0 };
      const later = completeLines(old, late.end);
      if (later.text) writeAllSync(fd, later.text);
    } finally {
      closeSync(old);
    }
  }

  /**
   * Runs `fn` under the journal's cross-process lock (util/file-lock.ts): looking for a running call and
   * beginning one. Held for that synchronous stretch alone; waited for at most `waitMs`, without blocking.
   */
  locked<T>(fn: () => T, waitMs = 5_000): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    return withFileLockAsync(this.path, fn, waitMs);
  }

  private reopenIfMoved(force = false): number {
    let current: number | undefined;
    try {
      current = statSync(this.path).ino;
    } catch {
      current = undefined;
    }
    if (this.fd !== undefined && !force && current === this.ino) return this.fd;
    if (this.fd !== undefined) closeSync(this.fd);
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    this.fd = openSync(this.path, 'a', FILE_MODE);
    this.ino = fstatSync(this.fd).ino;
    return this.fd;
  }

  /**
   * Whether the file ends inside a line: a machine that went down (or a full disk) in the middle of a
   * write. A line appended to it would be joined to the torn one and lost with it.
   */
  private endsTorn(): boolean {
    const size = this.size();
    return size > 0 && !lineBreakBefore(this.path, size);
  }

  private append(lines: Line[], sync: boolean): void {
    // Another process may have compacted (renamed) the file: write to the one that is there now.
    let fd = this.reopenIfMoved();
    let text = lines.map((l) => JSON.stringify(l) + '\n').join('');
    // Checked for the lines a repeat depends on (begin, end), not for every ack: a lost ack only re-sends under the same ids.
    if (sync && this.endsTorn()) text = '\n' + text;
    // Another process compacted the file around a write: the lines may be only in the old one, so they
    // go again to the new one, until a write lands in the file still there after it (a compaction reads
    // the file it replaces once more after the rename: a line in it by then is carried). Each round
    // needs another compaction in between: a few at most, bounded all the same.
    for (let round = 0; ; round++) {
      writeAllSync(fd, text);
      if (sync) fsyncSync(fd);
      if (!this.moved() || round === MAX_WRITE_ROUNDS) break;
      fd = this.reopenIfMoved();
    }
  }

  /** Whether the file at the path is no longer the one this process appends to. */
  private moved(): boolean {
    try {
      return statSync(this.path).ino !== this.ino;
    } catch {
      return true;
    }
  }
}

/** The id on a compacted file's first line ('' for a file no compaction wrote). */
function generationOf(fd: number): string {
  const head = Buffer.alloc(80);
  const n = readSync(fd, head, 0, head.length, 0);
  const m = /^\{"t":"gen","id":"([0-9a-f-]{36})"\}\n/.exec(head.toString('latin1', 0, n));
  return m ? m[1]! : '';
}

/** The whole lines of an open file from `from` to its end, and where they end. */
function completeLines(fd: number, from: number): { text: string; end: number } {
  const size = fstatSync(fd).size;
  if (size <= from) return { text: '', end: from };
  const chunk = Buffer.alloc(size - from);
  const n = readSync(fd, chunk, 0, chunk.length, from);
  const whole = chunk.subarray(0, n).lastIndexOf(0x0a) + 1;
  return { text: chunk.toString('utf8', 0, whole), end: from + whole };
}

const journals = new Map<string, DeliveryJournal>();

/** One journal per config home, shared by every call of this process. */
export function journalFor(home: string): DeliveryJournal {
  let j = journals.get(home);
  if (!j) journals.set(home, (j = new DeliveryJournal(join(home, 'journal'))));
  return j;
}
