import { existsSync, renameSync, rmSync, statSync } from 'node:fs';

/**
 * Size-based rotation: when `path` would grow past `maxBytes`, it becomes `path.1`, `path.1`
 * becomes `path.2`, ... and the oldest beyond `keep` is deleted. A file is never cut in the middle
 * of a line, so each file holds whole JSON lines.
 */
export function rotateIfNeeded(path: string, incomingBytes: number, maxBytes: number, keep: number): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false; // nothing written yet
  }
  if (size === 0 || size + incomingBytes <= maxBytes) return false;
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
}
