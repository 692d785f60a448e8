import { describe, expect, it } from 'vitest';
import { FIRST_BYTES, LineBuffers } from '../../src/server/line-buffers.js';

describe('line buffers are kept for later lines, within bounds', () => {
  it('a buffer given back is taken again for a line it can hold, and the one given is detached', () => {
    const pool = new LineBuffers();
    const a = pool.take(100_000);
    a.write('hello');
    pool.give(a);
    expect(a.length).toBe(0);
    const b = pool.take(50_000);
    expect(b.length).toBeGreaterThanOrEqual(100_000);
    expect(b.toString('latin1', 0, 5)).toBe('hello');
    expect(pool.kept).toBe(0);
    // Nothing kept fits: a new buffer, never smaller than a first line's.
    expect(pool.take(10).length).toBe(FIRST_BYTES);
  });

  it('a buffer that does not own all of its memory is not kept (nothing else is detached or written over)', () => {
    const pool = new LineBuffers();
    const whole = Buffer.allocUnsafeSlow(200_000);
    const part = whole.subarray(100, 150_000);
    pool.give(part);
    expect(pool.kept).toBe(0);
    expect(whole.length).toBe(200_000);
  });

  it('at most two buffers and 32 MB are kept: the smallest go first', () => {
    const pool = new LineBuffers();
    for (const mb of [1, 2, 3]) pool.give(Buffer.allocUnsafeSlow(mb * 1024 * 1024));
    expect(pool.kept).toBe(5 * 1024 * 1024);
    pool.give(Buffer.allocUnsafeSlow(31 * 1024 * 1024));
    expect(pool.kept).toBe(31 * 1024 * 1024);
    expect(pool.take(1).length).toBe(31 * 1024 * 1024);
  });
});
