import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Writes all of `data` to `fd`: at `position` when given, else where the descriptor is (the end, for
 * one opened to append). One `writeSync` can write less than it was given, without an error, when
 * the disk fills or the file reaches the process's size limit: the rest would be dropped silently
 * (a torn reject file, a credentials file cut short and renamed over the good one). Here the next
 * write reports why (ENOSPC, EFBIG), and that error is thrown. Returns the bytes written.
 */
export function writeAllSync(fd: number, data: string | Uint8Array, position?: number): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done, position === undefined ? null : position + done);
    // A regular file never takes nothing without an error; a loop that waits for it would never end.
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    done += n;
  }
  return done;
}

/**
 * Writes `data` whole to a file of its own at `path` (opened with `flag`, created with `mode`), on disk
 * (fsync): the first half of replacing a file. A write a full disk cut short removes the file and throws.
 */
export function writeFileWholeSync(path: string, data: string | Uint8Array, mode: number, flag: 'w' | 'wx' = 'w'): void {
  const fd = openSync(path, flag, mode);
  try {
    writeAllSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw err;
  }
  closeSync(fd);
}

/**
 * Replaces the file at `path` with `data`: written whole to `<path>.<pid>.tmp`, then renamed over it.
 * A reader finds the old file or the new one; a write that fails leaves the old file untouched.
 */
export function replaceFileSync(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileWholeSync(tmp, data, mode);
  renameSync(tmp, path);
}
