import { hostname } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A lock file saying which process is importing a file (or writing a reject file), so a second run
 * started meanwhile stops before it reads or sends anything: two runs of one import would both write
 * its checkpoint and its reject file. Created with O_EXCL; it names its process, so a lock left by a
 * process that died (kill -9, a crash) is seen as free at once, not after a timeout.
 */

interface Holder {
  pid: number;
  host: string;
  since: string;
}

export class LockedError extends Error {
  constructor(
    readonly holder: Holder,
    readonly path: string,
  ) {
    super(`locked by process ${holder.pid}`);
  }
}

/** Whether the process that wrote the lock still runs; on another machine (a shared home) it cannot be told, so yes. */
function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(path: string): { text: string; holder?: Holder } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as Holder;
    return Number.isSafeInteger(h.pid) && typeof h.host === 'string' ? { text, holder: h } : { text };
  } catch {
    return { text }; // torn by a crash while it was written: nobody holds it
  }
}

export class FileLock {
  private constructor(
    readonly path: string,
    private readonly text: string,
  ) {}

  /** Takes the lock at `path`, or throws LockedError naming the process that holds it. */
  static take(path: string): FileLock {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const text = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Holder);
    // Twice at most: once more after clearing a lock whose process is gone.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, text, { flag: 'wx', mode: 0o600 });
        return new FileLock(path, text);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const found = read(path);
      if (found?.holder && alive(found.holder)) throw new LockedError(found.holder, path);
      // Cleared only if it is still the dead one just read (another run may have cleared and taken it since).
      if (found && read(path)?.text === found.text) rmSync(path, { force: true });
    }
    const found = read(path);
    throw new LockedError(found?.holder ?? { pid: 0, host: '', since: '' }, path);
  }

  /** Gives the lock back, if it is still this run's. */
  release(): void {
    if (read(this.path)?.text === this.text) rmSync(this.path, { force: true });
  }
}
