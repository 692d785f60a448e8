import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, fsync, ftruncateSync, openSync, statSync, truncateSync } from 'node:fs';
import { lineBreakBefore } from '../util/line-break.js';
import { writeAllSync } from '../util/write-all.js';

/**
 * The reject file: one JSON line per record that was not sent, with its line (and item, in a JSON
 * array), the reason, and the record as written with every known secret masked. Opened only when
 * the first reject comes. Lines are appended a chunk at a time, in file order, when the chunk is
 * settled; a resume cuts the file back to the size its checkpoint recorded, so no reject is listed twice.
 * A file that is no longer as this import left it (another import wrote to it since, or it ends inside
 * a line there) is never cut: lines are added after what it holds.
 */

export interface Reject {
  line: number;
  item?: number;
  reason: string;
  raw: Buffer;
}

/** Longer records are cut in the reject file (the line number still finds them). */
const MAX_RECORD_CHARS = 100_000;

export class RejectFile {
  private fd: number | undefined;
  private size: number;
  /** Bytes of the existing file this run keeps (see the class note). */
  private readonly keep: number;
  /** A torn last line to close before the first line this run adds (not before: a run may add none). */
  private closeTorn = false;

  constructor(
    readonly path: string,
    /** Bytes to keep of an existing file (0: start it afresh); 'append': keep all of it. */
    keep: number | 'append',
    private readonly mask: (text: string) => string,
    /** Called once, before this run's first line is written (the store notes who wrote it last). */
    private readonly beforeFirstWrite?: () => void,
  ) {
    this.keep = keep === 'append' ? this.appendAt() : this.cutPoint(keep);
    this.size = this.keep;
  }

  /** Where lines go: after everything the file holds. */
  private appendAt(): number {
    try {
      const size = statSync(this.path).size;
      this.closeTorn = size > 0 && !lineBreakBefore(this.path, size);
      return size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return 0;
    }
  }

  /** `keep` when the file holds whole lines up to it; else the end of the file (see the class note). */
  private cutPoint(keep: number): number {
    if (keep === 0 || lineBreakBefore(this.path, keep)) return keep;
    return this.appendAt();
  }

  get bytes(): number {
    return this.size;
  }

  /**
   * Cuts an existing reject file back to what the checkpoint counted, at the start of a run: rejects of
   * records a later run reads again (an open last line) are not left behind when none comes this time.
   */
  cutBack(): void {
    try {
      if (statSync(this.path).size > this.keep) truncateSync(this.path, this.keep);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Whether a file exists or will: a resume that kept lines, or a reject written in this run. */
  get used(): boolean {
    return this.size > 0;
  }

  write(rejects: Reject[]): void {
    if (!rejects.length) return;
    if (this.fd === undefined) {
      this.beforeFirstWrite?.();
      try {
        this.fd = openSync(this.path, this.keep > 0 ? 'r+' : 'w', 0o600);
        // Never longer than it is: cutting "back" past the end would pad the file with zeros.
        this.size = Math.min(this.keep, fstatSync(this.fd).size);
        ftruncateSync(this.fd, this.size);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The earlier run's reject file was removed: start a new one.
        this.fd = openSync(this.path, 'w', 0o600);
        this.size = 0;
      }
    }
    const text = (this.closeTorn ? '\n' : '') + rejects
      .map((r) => {
        // Masked before it is cut: a secret cut in two would no longer be found whole. A record that is
        // not UTF-8 is written one character per byte (latin1), so its bytes can be had back exactly.
        const utf8 = isUtf8(r.raw);
        let record = this.mask(r.raw.toString(utf8 ? 'utf8' : 'latin1'));
        const cut = record.length > MAX_RECORD_CHARS;
        if (cut) record = record.slice(0, MAX_RECORD_CHARS);
        return this.mask(JSON.stringify({ line: r.line, ...(r.item !== undefined ? { item: r.item } : {}), reason: r.reason, record, ...(utf8 ? {} : { record_encoding: 'latin1' }), ...(cut ? { record_cut_at: MAX_RECORD_CHARS } : {}) })) + '\n';
      })
      .join('');
    // All or an error: a write cut short by a full disk would drop the chunk's last rejects unseen.
    try {
      this.size += writeAllSync(this.fd, text, this.size);
    } catch (err) {
      // None of the chunk's rejects stay: the next run writes them all again (a shared file cannot be cut back later).
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the run stops on the write's error either way
      }
      throw err;
    }
    this.closeTorn = false;
  }

  /** On disk before the checkpoint that counts it is written (done whenever a chunk had rejects). */
  sync(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
