import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileWholeSync } from '../util/write-all.js';

/**
 * File helpers for secrets: a private folder (0700), private files (0600), and writes that are
 * atomic, so a crash leaves either the old file or the new one, never half of either.
 */

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Creates the folder if needed and makes sure only its owner can enter it. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if ((statSync(dir).mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
}

/** Writes a whole file: temp file (0600) beside it, fsync, rename over the target, fsync the folder. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = writeTemp(path, data);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkQuietly(tmp);
    throw err;
  }
  syncDir(dirname(path));
}

/**
 * Creates a file only if it does not exist yet (0600); false when another writer got there first.
 * The content goes to a temp file first, linked to the name after (a link never replaces one): the
 * name appears with its whole content, so a process reading at that moment never sees it empty.
 */
export function createExclusive(path: string, data: string): boolean {
  const tmp = writeTemp(path, data);
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
  syncDir(dirname(path));
  return true;
}

/** A new private temp file beside `path` holding `data`, on disk (fsync); its path. */
function writeTemp(path: string, data: string | Buffer): string {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // All or an error: a temp file cut short by a full disk would be renamed over the good one.
  writeFileWholeSync(tmp, data, FILE_MODE, 'wx');
  return tmp;
}

/** Moves a file out of the way under a name that says why and when; never overwrites anything. */
export function moveAside(path: string, why: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${path}.${why}-${stamp}`;
  for (let i = 1; exists(target); i++) target = `${path}.${why}-${stamp}-${i}`;
  renameSync(path, target);
  syncDir(dirname(path));
  return target;
}

/** Tightens a file that is readable by others (copied in by hand, say) back to 0600. */
export function ensurePrivateFile(path: string): void {
  if ((statSync(path).mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Makes the rename itself durable. Some filesystems refuse fsync on a folder; the rename still happened. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
