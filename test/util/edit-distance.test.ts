import { describe, expect, it } from 'vitest';
import { editDistance } from '../../src/util/edit-distance.js';

describe('edit distance', () => {
  /** The whole table, as a reference: a swap of neighbours counts one edit. */
  function full(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) {
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    return d[a.length]![b.length]!;
  }

  it('counts a swap of neighbours as one edit, as people mistype', () => {
    expect(editDistance('wirte', 'write')).toBe(1);
    expect(editDistance('idnetify', 'identify')).toBe(1);
    expect(editDistance('SEGMENT_TRAKC', 'SEGMENT_TRACK', 1)).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
  });

  it('is exact up to the bound asked for, and says "more" (bound + 1) past it', () => {
    let seed = 11;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const text = (n: number) => Array.from({ length: n }, () => 'ABC_'[random(4)]).join('');
    for (let k = 0; k < 4000; k++) {
      const a = text(random(40));
      // Near copies with swaps in them as well as unrelated texts.
      const b = random(3) === 0 ? text(random(40)) : random(2) ? a.slice(random(5)) + text(random(4)) : [...a].map((c, i, all) => (i % 5 === 1 && all[i + 1] ? all[i + 1] : i % 5 === 2 ? all[i - 1] : c)).join('');
      const max = random(12);
      const d = full(a, b);
      expect(editDistance(a, b), `${a} ${b}`).toBe(d);
      expect(editDistance(a, b, max), `${a} ${b} max ${max}`).toBe(Math.min(d, max + 1));
    }
  });

  it('never reads what an earlier call left in its reused rows', () => {
    // The first call leaves a 0 in row 19 at column 19; a band of 3 must not take it for row 15's cell.
    expect(editDistance('C'.repeat(20), `${'C'.repeat(20)}D`)).toBe(1);
    expect(editDistance('C'.repeat(20), 'C'.repeat(23), 3)).toBe(3);
    expect(editDistance('ABABABABAB', 'BABABABABA', 2)).toBe(2);
    expect(editDistance('CDCD', 'DCDC')).toBe(2);
    // A long word gets rows of its own for the call (none kept), and the next short call is still exact.
    expect(editDistance('ab', `${'a'.repeat(3000)}b`)).toBe(2999);
    expect(editDistance('wirte', 'write')).toBe(1);
  });
});
