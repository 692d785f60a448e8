import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Whether the byte just before `offset` in a file is a line break: false when the file is shorter,
 * gone or unreadable. Files of JSON lines (the delivery journal, an import's reject file, the audit
 * log) use it to tell a last line cut short (a machine that went down, or a disk that filled, mid-write)
 * before they add to it.
 */
export function lineBreakBefore(path: string, offset: number): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return lineBreakBeforeIn(fd, offset);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The same, read through a descriptor already open for reading (the file it writes to, not whatever has its name now). */
export function lineBreakBeforeIn(fd: number, offset: number): boolean {
  const b = Buffer.alloc(1);
  try {
    return readSync(fd, b, 0, 1, offset - 1) === 1 && b[0] === 0x0a;
  } catch {
    return false;
  }
}
