import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { withFileLock } from '../util/file-lock.js';

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0; // nothing written yet
  }
};

/**
 * Size-based rotation: when `path` would grow past `maxBytes`, it becomes `path.1`, `path.1`
 * becomes `path.2`, ... and the oldest beyond `keep` is deleted. A file is never cut in the middle
 * of a line, so each file holds whole JSON lines.
 *
 * A server and CLI calls may write the same log: the rotation runs under a cross-process lock and
 * decides again inside it, so a file another process has just rotated is not rotated a second time
 * (which would drop a generation, or fail and lose the line being written).
 */
export function rotateIfNeeded(path: string, incomingBytes: number, maxBytes: number, keep: number): boolean {
  const due = () => {
    const size = sizeOf(path);
    return size > 0 && size + incomingBytes > maxBytes;
  };
  if (!due()) return false;
  return withFileLock(path, () => {
    if (!due()) return false;
    if (keep <= 0) {
      rmSync(path, { force: true });
      return true;
    }
    rmSync(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    }
    renameSync(path, `${path}.1`);
    return true;
  });
}
