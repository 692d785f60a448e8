import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countText } from '../../src/util/count-text.js';

describe('countText', () => {
  it('writes every number as toLocaleString("en-US") does', () => {
    for (const n of [0, -0, 1, 999, 1000, -1000, 25_000, 5_000_000, 123_456_789, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1.5, 1e21, NaN, Infinity]) expect(countText(n), String(n)).toBe(n.toLocaleString('en-US'));
    fc.assert(fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.double()), (n) => countText(n) === n.toLocaleString('en-US')), { numRuns: 2000 });
  });
});
