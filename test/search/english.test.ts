import { describe, expect, it } from 'vitest';
import { englishFromPackage, englishText, SortedLines } from '../../src/search/english.js';

describe('English word counts as built', () => {
  it('finds every word of the built list with its count, by bisection in the text, and nothing else', () => {
    const all = englishFromPackage();
    const lines = new SortedLines(englishText(20));
    let kept = 0;
    const wrong: string[] = [];
    for (const [word, count] of all) {
      if (count >= 20) kept++;
      if (lines.get(word) !== (count >= 20 ? count : undefined)) wrong.push(word);
    }
    expect(wrong).toEqual([]);
    expect(kept).toBeGreaterThan(20_000);
    // Before the first word, after the last, prefixes and extensions of real words.
    for (const w of ['', 'a'.repeat(30), 'zzzzzzz', 'th', 'thex', 'sourcesx']) expect(lines.get(w), w).toBe(all.get(w) !== undefined && all.get(w)! >= 20 ? all.get(w) : undefined);
  });
});
