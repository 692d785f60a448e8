import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditSettings } from '../config/runtime.js';
import type { WriteEvent } from '../execution/executor.js';
import { ensurePrivateDir, FILE_MODE } from '../connections/secure-file.js';
import type { Redactor } from '../security/redact.js';
import { auditLine, toAuditRecord } from './record.js';
import { rotateIfNeeded } from './rotate.js';
import { lineBreakBeforeIn } from '../util/line-break.js';
import { writeAllSync } from '../util/write-all.js';

export const AUDIT_FILE = 'audit.jsonl';
/** Destructive calls, once more, in a file no other traffic writes to: ordinary writes cannot rotate them away. */
export const DESTRUCTIVE_FILE = 'destructive.jsonl';

/**
 * The audit log of write attempts: one JSON line per attempt (allowed, confirmed, declined, denied,
 * dry run) in `<config home>/audit/audit.jsonl`, mode 0600, rotated by size; each line at most
 * MAX_LINE_BYTES. Destructive calls also go to `destructive.jsonl`, rotated the same way but written
 * only by them. Retention: docs/audit.md.
 * Writes are synchronous so a line is on disk before the answer goes out and survives an exit.
 * A failure to write is reported once on the logger and never breaks the call.
 */
export class AuditLog {
  readonly path: string;
  readonly destructivePath: string;
  private ready = false;
  private warned = false;

  constructor(
    private readonly settings: AuditSettings,
    private readonly redactor: Redactor,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.path = join(settings.dir, AUDIT_FILE);
    this.destructivePath = join(settings.dir, DESTRUCTIVE_FILE);
  }

  record(event: WriteEvent): void {
    try {
      const mask = (text: string) => this.redactor.text(text);
      const line = Buffer.from(auditLine(toAuditRecord(event, { payloads: this.settings.payloads, mask }), mask), 'utf8');
      this.prepare();
      this.append(this.path, line);
      if (event.access === 'destructive') this.append(this.destructivePath, line);
    } catch (err) {
      if (!this.warned) this.onError(`audit log not written (${this.path}): ${(err as Error).message}`);
      this.warned = true;
    }
  }

  private append(path: string, line: Buffer): void {
    rotateIfNeeded(path, line.length, this.settings.maxBytes, this.settings.keep);
    appendLine(path, line);
  }

  private prepare(): void {
    if (this.ready) return;
    try {
      ensurePrivateDir(this.settings.dir);
    } catch (err) {
      // A folder that exists but is not ours to chmod still takes the log (each file is 0600).
      if (!existsSync(this.settings.dir)) throw err;
    }
    this.ready = true;
  }
}

/**
 * Appends one whole line with a single write on an O_APPEND descriptor: the kernel places it at the
 * end in one piece, so lines from two processes (a server and a CLI call) never interleave.
 */
const NEWLINE = Buffer.from('\n');

function appendLine(path: string, line: Buffer): void {
  // Open to read too: the last byte is read from this file, not from whatever a rotation put at its path.
  const fd = openSync(path, 'a+', FILE_MODE);
  try {
    // A line a full disk cut short is closed first: the next record, joined to it, would be lost with it.
    const size = fstatSync(fd).size;
    const torn = size > 0 && !lineBreakBeforeIn(fd, size);
    // A regular file takes the whole buffer at once unless the disk is full; then the rest fails loudly.
    writeAllSync(fd, torn ? Buffer.concat([NEWLINE, line]) : line);
  } finally {
    closeSync(fd);
  }
}
