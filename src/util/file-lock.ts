import { createRequire } from 'node:module';
import type ProperLockfile from 'proper-lockfile';

/**
 * A cross-process lock around a read-modify-write of one file. Two `connections add` in two
 * terminals, or a CLI call and a running server, each read the credential store, change it and write
 * it back; without the lock the second write silently drops the first one's change. The audit log's
 * rotation takes it too, so two processes never rotate the same file twice.
 *
 * proper-lockfile takes `<file>.lock` (an atomic mkdir, so it works across processes and on network
 * filesystems) and treats a lock older than STALE_MS as left by a crashed process. Its callers
 * are synchronous, so waiting is a short synchronous sleep between attempts: a holder keeps
 * the lock for one read, one seal and one fsynced write, a few milliseconds.
 */

const STALE_MS = 10_000;
/** Past this, another process has held the store for far longer than any save takes. */
export const LOCK_WAIT_MS = 60_000;

export class FileLockedError extends Error {
  override name = 'FileLockedError';
}

/** Loaded by the first lock, not at start-up: it patches fs as it loads (graceful-fs), a few ms of every start. */
let lockfile: typeof ProperLockfile | undefined;
const library = () => (lockfile ??= createRequire(import.meta.url)('proper-lockfile') as typeof ProperLockfile);

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number) => Atomics.wait(pause, 0, 0, ms);

/** One attempt: the release, or undefined when another process holds the lock. */
function tryLock(path: string): (() => void) | undefined {
  try {
    return library().lockSync(path, { realpath: false, stale: STALE_MS });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    return undefined;
  }
}

const lockedError = (path: string, waitMs: number) =>
  new FileLockedError(`${path} is locked by another segment-router process (${path}.lock) for more than ${Math.round(waitMs / 1000)} s. Try again; if no other process is running, remove ${path}.lock.`);

function run<T>(fn: () => T, release: () => void): T {
  try {
    return fn();
  } finally {
    release();
  }
}

export function withFileLock<T>(path: string, fn: () => T, waitMs = LOCK_WAIT_MS): T {
  const deadline = Date.now() + waitMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    const release = tryLock(path);
    if (release) return run(fn, release);
    if (Date.now() > deadline) throw lockedError(path, waitMs);
    sleepSync(delay + Math.random() * delay);
  }
}

/**
 * The same lock for callers on a server's event loop: between attempts it awaits instead of sleeping,
 * so a lock left by a process killed while holding it (stale after STALE_MS) freezes nothing. Past
 * `waitMs`, FileLockedError: the caller decides whether to go on without it.
 */
export async function withFileLockAsync<T>(path: string, fn: () => T, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    const release = tryLock(path);
    if (release) return run(fn, release);
    if (Date.now() > deadline) throw lockedError(path, waitMs);
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
  }
}
