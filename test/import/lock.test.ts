import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLock, LockedError } from '../../src/import/lock.js';

const dir = mkdtempSync(join(tmpdir(), 'sr-lock-'));
let n = 0;
const path = () => join(dir, `l${++n}.lock`);
/** A pid no process has: past the kernel's largest (4,194,304 on Linux). */
const DEAD_PID = 2 ** 22 + 17;

describe('the import lock', () => {
  it('is refused to a second taker while held, naming the holder; given back, it can be taken again', () => {
    const p = path();
    const held = FileLock.take(p);
    expect(() => FileLock.take(p)).toThrow(LockedError);
    try {
      FileLock.take(p);
    } catch (e) {
      expect((e as LockedError).holder.pid).toBe(process.pid);
    }
    held.release();
    FileLock.take(p).release();
  });

  it('left by a process that is gone, or torn, is taken at once', () => {
    for (const left of [JSON.stringify({ pid: DEAD_PID, host: hostname(), since: '2026-01-01T00:00:00Z' }), '{"pid": 12', '']) {
      const p = path();
      writeFileSync(p, left);
      const lock = FileLock.take(p);
      expect(JSON.parse(readFileSync(p, 'utf8')).pid).toBe(process.pid);
      lock.release();
    }
  });

  it('held on another machine (a shared home) counts as held: its process cannot be checked from here', () => {
    const p = path();
    writeFileSync(p, JSON.stringify({ pid: DEAD_PID, host: `not-${hostname()}`, since: '2026-01-01T00:00:00Z' }));
    expect(() => FileLock.take(p)).toThrow(LockedError);
  });

  it('given back after another run took it over leaves the other run\'s lock in place', () => {
    const p = path();
    const mine = FileLock.take(p);
    const theirs = JSON.stringify({ pid: DEAD_PID + 1, host: `other-${hostname()}`, since: '2026-01-01T00:00:00Z' });
    writeFileSync(p, theirs);
    mine.release();
    expect(readFileSync(p, 'utf8')).toBe(theirs);
  });
});
