import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homeUnusable } from '../config/home.js';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadPosition } from './source.js';
import { replaceFileSync } from '../util/write-all.js';

/**
 * Where an import stopped, so the same command run again goes on from there. One small JSON file per
 * imported file under `<config home>/journal/imports/`, next to the delivery journal, mode 0600. It is
 * rewritten (temporary file, then rename) each time a chunk of lines is settled: every message in it
 * accepted by Segment or written to the reject file; at most once a second, and at the end, it is also
 * fsynced first. Never in it: payloads, keys, tokens, file
 * contents; only hashes, offsets and counts. Bounded: files untouched for 30 days are removed, and at
 * most MAX_FILES are kept (oldest first out), never those of the files the running command imports.
 */

export interface Checkpoint {
  v: 2;
  /** The imported file's name (no directory), for a person reading the folder. */
  file: string;
  /** Hash of what every record's id derives from besides the record (format, CSV header). */
  identity: string;
  /** Where the next run starts reading. */
  next: ReadPosition;
  /** Hash of the file's first HEAD_BYTES and of the GUARD_BYTES just before `next.offset` (guardOf): the file must still hold them to resume. */
  guard: string;
  /** Size of the reject file when this was written: a resume cuts it back to this. */
  rejectsBytes: number;
  /** The reject file's size when this was written (at the end of a run, with an open last line's reject, which `rejectsBytes` leaves out). Another size later: written to since (see runner.ts rejectsKept). */
  rejectsEnd?: number;
  /** Settled so far: records read, messages accepted by Segment, records rejected. */
  counts: { read: number; accepted: number; rejected: number };
  /** The timestamp given to lines without one (--default-timestamp), fixed on the first run. */
  defaultTimestamp?: string;
  /** Set when `defaultTimestamp` is the time of a `--default-timestamp=now` run (absent in checkpoints of 2026-12-07 and before). */
  defaultTimestampNow?: boolean;
  /** The call type given to lines without one (--type): a later run must give the same. */
  type?: string;
  /**
   * The file's open last record (no line break after it), as the run that read the file to its end left
   * it: counted when the same file is found already imported, not in `counts`, where a later run starts
   * (it reads that record again, whole, if the file grew).
   */
  openCounts?: { read: number; accepted: number; rejected: number };
  /** The file's device and inode (`dev:ino`): the same file under another name (a hard link) is found by it. */
  inode?: string;
  /** Where the file was (its real path): a file found by its inode under another name was renamed if nothing is there now. */
  path?: string;
  /** The whole file was read and settled. */
  done: boolean;
  /** Its size then: the same size again is the same file, already imported; a larger one grew. */
  size?: number;
  startedAt: string;
  updatedAt: string;
}

const GUARD_BYTES = 4096;
/** An edit near the start (the usual place of a header, or of a fix made by hand) is seen too. */
const HEAD_BYTES = 64 * 1024;
const MAX_AGE_MS = 30 * 24 * 3600_000;
/** Checkpoints kept at most (a few hundred bytes each): far past any folder imported file by file. */
const MAX_FILES = 10_000;

export class CheckpointStore {
  /** Where checkpoints, locks and reject-file notes live. */
  readonly dir: string;

  constructor(private readonly home: string) {
    this.dir = join(home, 'journal', 'imports');
  }

  /**
   * The key of one import: the file where it is. Not its identity (format, CSV header): a checkpoint
   * made under another one is found, and refused, rather than missed (every id would change).
   */
  static key(realPath: string): string {
    return createHash('sha256').update(realPath).digest('base64url').slice(0, 32);
  }

  path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** Where the lock of a running import lives (lock.ts), next to its checkpoint. */
  lockPath(key: string): string {
    return join(this.dir, `${key}.lock`);
  }

  /**
   * Which import (its key) wrote to a reject file last: a resume whose reject file grew past its
   * checkpoint tells its own late lines (cut back, written again) from another import's (kept).
   */
  rejectsWriter(rejectsKey: string): string | undefined {
    try {
      return readFileSync(join(this.dir, `rejects-${rejectsKey}.writer`), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Makes the folder of checkpoints and locks; a config home that cannot hold it is said as such, with what to set. */
  ensureDir(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new Error(homeUnusable(this.home, err, 'import keeps its checkpoints there, so a run that stops can be taken up where it stopped') ?? (err as Error).message);
    }
  }

  /** Notes `key` as the reject file's last writer, on disk before its first line of a run is written. */
  setRejectsWriter(rejectsKey: string, key: string): void {
    this.ensureDir();
    replaceFileSync(join(this.dir, `rejects-${rejectsKey}.writer`), key, 0o600);
  }

  load(key: string): Checkpoint | undefined {
    try {
      const cp = JSON.parse(readFileSync(this.path(key), 'utf8')) as Checkpoint;
      return cp.v === 2 ? cp : undefined;
    } catch {
      return undefined; // none yet, or torn: start from the beginning (same ids, so no harm)
    }
  }

  /** The checkpoint of the same file (`dev:ino`) under another name (a hard link), if one was kept. */
  findByInode(inode: string, exceptKey: string): Checkpoint | undefined {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return undefined;
    }
    for (const name of names) {
      if (!name.endsWith('.json') || name === `${exceptKey}.json`) continue;
      const cp = this.load(name.slice(0, -'.json'.length));
      if (cp?.inode === inode) return cp;
    }
    return undefined;
  }

  /**
   * Writes the checkpoint whole, then renames it over the last one: a reader finds the old one or the
   * new one, never a torn one. `durable` also fsyncs it first (a machine crash then cannot lose it).
   */
  async save(key: string, cp: Checkpoint, durable: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.path(key);
    const tmp = `${target}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(cp));
      if (durable) await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await rename(tmp, target);
  }

  remove(key: string): void {
    rmSync(this.path(key), { force: true });
  }

  /**
   * Drops checkpoints untouched for 30 days, and the oldest past `max` (checkpoints and reject-file
   * notes each counted on their own). Never one named in `keep`: those of the files the running command
   * imports, however many, so a command over many files cannot push out its own first ones.
   */
  prune(opts: { keep?: ReadonlySet<string>; now?: number; max?: number } = {}): void {
    const { keep, now = Date.now(), max = MAX_FILES } = opts;
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json') || n.endsWith('.tmp') || n.endsWith('.lock') || n.endsWith('.writer'));
    } catch {
      return;
    }
    const files = names.map((n) => {
      try {
        return { n, at: statSync(join(this.dir, n)).mtimeMs };
      } catch {
        return { n, at: 0 };
      }
    });
    files.sort((a, b) => b.at - a.at);
    const seen = { json: 0, writer: 0 };
    for (const f of files) {
      if (keep?.has(f.n)) continue;
      // A lock goes by age alone: a running import's is never among the oldest to drop.
      const kind = f.n.endsWith('.json') ? 'json' : f.n.endsWith('.writer') ? 'writer' : undefined;
      const tooMany = kind !== undefined && ++seen[kind] > max;
      if (tooMany || now - f.at > MAX_AGE_MS || (f.n.endsWith('.tmp') && now - f.at > 3600_000)) rmSync(join(this.dir, f.n), { force: true });
    }
  }

  /** The names `prune` must keep for an import of `key` writing the reject file of `rejectsKey`. */
  static names(key: string, rejectsKey: string): string[] {
    return [`${key}.json`, `rejects-${rejectsKey}.writer`];
  }
}

/**
 * Hash of the file's head and of the bytes just before `offset`: the part of the file a resume relies
 * on not having changed. Not every byte before it (that would read the whole file again on each
 * save): an edit between the two goes unseen.
 */
export async function guardOf(path: string, offset: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const tail = Math.max(0, offset - GUARD_BYTES);
    for (const [start, end] of [[0, Math.min(HEAD_BYTES, tail)], [tail, offset]] as const) {
      const buf = Buffer.alloc(end - start);
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      hash.update(buf.subarray(0, bytesRead)).update('\n');
    }
    return hash.update(String(offset)).digest('base64url');
  } finally {
    await fh.close();
  }
}

/**
 * Checkpoints are fsynced at most this often (and at the end): a machine crash loses at most the last
 * second of them, and those lines go again under the same ids. A killed process loses none.
 */
const DURABLE_EVERY_MS = 1_000;
/**
 * And written at most this often (and when the run ends or stops): a killed process resends at most
 * what settled in the last 200 ms (and while one was being written), under the same ids. Writing it
 * after every call cost a file open, a read and a rename per call.
 */
const SAVE_EVERY_MS = 200;

/**
 * Writes an import's checkpoints as its chunks settle: in the background, so reading and sending go on
 * meanwhile (awaited in line, the file operations kept the next chunk waiting: ~2 % of a run). What is
 * written is a copy of the state when asked, one write at a time: one due while another is being
 * written is skipped (the next settled chunk asks again). The last word (`now`) waits for any
 * background write first, so an older checkpoint never lands after it.
 */
export class CheckpointWriter {
  private pending?: Promise<void>;
  private failed?: { error: unknown };
  private lastSaved = 0;
  private lastDurable: number;

  constructor(
    /** Writes `cp` (a copy the writer may fill in), fsynced when `durable`. */
    private readonly write: (cp: Checkpoint, durable: boolean) => Promise<void>,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.lastDurable = clock();
  }

  /** Writes `state` in the background when one is due and none is being written; throws what an earlier one threw. */
  soon(state: Checkpoint): void {
    if (this.failed) throw this.failed.error;
    if (this.pending || this.clock() - this.lastSaved < SAVE_EVERY_MS) return;
    this.pending = this.save(state, false)
      .catch((error: unknown) => void (this.failed = { error }))
      .finally(() => (this.pending = undefined));
  }

  /** Writes `state` now, fsynced, after any background write. */
  async now(state: Checkpoint): Promise<void> {
    await this.pending;
    await this.save(state, true);
  }

  /** Once no write is under way. */
  async settled(): Promise<void> {
    await this.pending;
  }

  private save(state: Checkpoint, final: boolean): Promise<void> {
    const copy: Checkpoint = { ...state, next: { ...state.next }, counts: { ...state.counts } };
    this.lastSaved = this.clock();
    const durable = final || this.lastSaved - this.lastDurable > DURABLE_EVERY_MS;
    if (durable) this.lastDurable = this.lastSaved;
    return this.write(copy, durable);
  }
}
