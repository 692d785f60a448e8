import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Whether the byte just before `offset` in a file is a line break: false when the file is shorter,
 * gone or unreadable. Files of JSON lines (the delivery journal, an import's reject file, the audit log) use it to
 * tell a last line cut short (a machine that went down mid-write) before they add to it.
 */
export function lineBreakBefore(path: string, offset: number): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(1);
    return readSync(fd, b, 0, 1, offset - 1) === 1 && b[0] === 0x0a;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
