import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { englishCounts, SortedLines } from '../../src/search/english.js';
import { englishFromPackage, englishText } from '../../scripts/english-words.mjs';
import { WEIGHTS } from '../../src/search/weights.js';

describe('English word counts as built', () => {
  it('finds every word of the built list with its count, by bisection in the text, and nothing else', () => {
    const all: Map<string, number> = englishFromPackage();
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

  it('is the committed list: data/search/english.txt is what the package and the threshold give', () => {
    expect(readFileSync(new URL('../../data/search/english.txt', import.meta.url), 'utf8')).toBe(englishText(WEIGHTS.typo.englishWord));
    expect(englishCounts().get('post')).toBeGreaterThan(WEIGHTS.typo.englishWord);
  });
});
