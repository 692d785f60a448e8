import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { compareSlugs, editDistance, normalizeSlug, toUpperSnake } from '../../src/registry/slug.js';

describe('slug rules', () => {
  it('turns operation ids into slugs, keeping acronym runs whole', () => {
    expect(toUpperSnake('listSchemaSettingsInSource')).toBe('LIST_SCHEMA_SETTINGS_IN_SOURCE');
    expect(toUpperSnake('getDailyPerSourceAPICallsUsage')).toBe('GET_DAILY_PER_SOURCE_API_CALLS_USAGE');
    expect(toUpperSnake('cancelReverseETLSyncForModel')).toBe('CANCEL_REVERSE_ETL_SYNC_FOR_MODEL');
  });
  it('orders slugs as localeCompare does, an underscore first: every pair of real slugs, and digits', () => {
    const slugs = [...loadRegistry().tools.map((t) => t.slug), 'SEGMENT_LIST', 'SEGMENT_LISTS', 'SEGMENT_LIST_2', 'SEGMENT_LIST2', 'SEGMENT_LIST_A', 'SEGMENT_LISTA', 'SEGMENT_V1_X', 'SEGMENT_V10'];
    for (const a of slugs) for (const b of slugs) expect(Math.sign(compareSlugs(a, b)), `${a} ${b}`).toBe(Math.sign(a.localeCompare(b)));
  });
  it('normalizes case, separators and the direct-mode prefix', () => {
    for (const s of ['segment_track', 'segment-track', 'integration__segment__segment_track', ' Segment Track ']) expect(normalizeSlug(s)).toBe('SEGMENT_TRACK');
  });
});

describe('edit distance', () => {
  /** The whole table, as a reference. */
  function full(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  }

  it('is exact up to the bound asked for, and says "more" (bound + 1) past it', () => {
    let seed = 11;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const text = (n: number) => Array.from({ length: n }, () => 'ABC_'[random(4)]).join('');
    for (let k = 0; k < 3000; k++) {
      const a = text(random(40));
      const b = random(2) ? text(random(40)) : a.slice(random(5)) + text(random(4));
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
  });
});
