import { describe, expect, it } from 'vitest';
import { RESULT_URI_PREFIX, ResultStore } from '../../src/util/result-store.js';

describe('kept answers', () => {
  // Found by a review (2026-12-07): ids were a counter and the time, so an HTTP client that kept one answer
  // of its own read another client's by guessing around it (370 guesses, 289 ms).
  it('are named by ids no one can guess from their own', () => {
    const store = new ResultStore();
    const a = store.put('{"a":1}', 'a')!;
    const b = store.put('{"b":2}', 'b')!;
    for (const uri of [a, b]) expect(uri).toMatch(new RegExp(`^${RESULT_URI_PREFIX}[A-Za-z0-9_-]{22,}$`));
    const common = [...a].findIndex((c, i) => c !== b[i]);
    // Nothing of one id but the prefix says anything of the next.
    expect(common).toBeLessThanOrEqual(RESULT_URI_PREFIX.length + 1);
    expect(store.get(b)?.text).toBe('{"b":2}');
  });
});
