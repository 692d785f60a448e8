import Fuse from 'fuse.js';
import { isStop } from './text.js';

/**
 * Fixes misspelt words ("segmnt identfy") by the closest word the tools or the vocabulary use.
 * Only words nobody uses are touched, so a correct word is never "fixed" into another. Candidates share
 * the first letter (people rarely mistype it), which keeps each fuse.js search small and fast.
 */
export class TypoFixer {
  private readonly byLetter = new Map<string, string[]>();
  private readonly fuses = new Map<string, Fuse<string>>();
  private readonly cache = new Map<string, string>();

  constructor(private readonly known: Set<string>) {
    for (const w of [...known].sort()) {
      if (w.length < 3) continue;
      const list = this.byLetter.get(w[0]!) ?? [];
      list.push(w);
      this.byLetter.set(w[0]!, list);
    }
  }

  fix(word: string): string {
    if (word.length < 4 || this.known.has(word) || isStop(word)) return word;
    let fixed = this.cache.get(word);
    if (fixed === undefined) {
      fixed = this.closest(word) ?? word;
      this.cache.set(word, fixed);
    }
    return fixed;
  }

  private closest(word: string): string | undefined {
    const letter = word[0]!;
    let fuse = this.fuses.get(letter);
    if (!fuse) {
      const list = this.byLetter.get(letter);
      if (!list) return undefined;
      fuse = new Fuse(list, { includeScore: true, threshold: 0.4 });
      this.fuses.set(letter, fuse);
    }
    // fuse.js finds candidates; an edit-distance bound keeps only real typos ("identfy" -> "identify",
    // never "flight" -> "filter").
    const bound = word.length < 9 ? 1 : 2;
    for (const r of fuse.search(word, { limit: 5 })) if (editDistance(word, r.item) <= bound) return r.item;
    return undefined;
  }
}

/** Damerau-Levenshtein distance (with adjacent swaps), small strings only. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
