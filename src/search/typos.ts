import Fuse from 'fuse.js';
import { CACHE_CAP, isStop, stem } from './text.js';

/**
 * Fixes misspelt words ("segmnt identfy") by the closest word the tools or the vocabulary use.
 * Only words nobody uses are touched, so a correct word is never "fixed" into another.
 */
const MIN_LENGTH = 6;

export class TypoFixer {
  private readonly fuses = new Map<string, Fuse<string> | null>();
  private readonly cache = new Map<string, string>();

  private readonly stems: Set<string>;

  constructor(private readonly known: Set<string>) {
    this.stems = new Set([...known].map(stem));
  }

  /** Whether some tool or the vocabulary uses this word (or another form of it). */
  knows(word: string): boolean {
    return this.known.has(word) || this.stems.has(stem(word));
  }

  fix(word: string): string {
    // Short words are too often other real words ("react" is not "reach", "paris" not "pairs"), and
    // another form of a known word ("validated" for "validate") is no typo.
    if (word.length < MIN_LENGTH || this.known.has(word) || isStop(word) || this.stems.has(stem(word))) return word;
    let fixed = this.cache.get(word);
    if (fixed === undefined) {
      fixed = this.closest(word) ?? word;
      if (this.cache.size >= CACHE_CAP) this.cache.clear();
      this.cache.set(word, fixed);
    }
    return fixed;
  }

  /**
   * Candidates share the first letter (people rarely mistype it) and are within the edit bound in length,
   * which keeps each fuse.js search to a few dozen words.
   */
  private closest(word: string): string | undefined {
    const bound = word.length < 9 ? 1 : 2;
    const key = `${word[0]}${word.length}`;
    let fuse = this.fuses.get(key);
    if (fuse === undefined) {
      const list = [...this.known].filter((w) => w[0] === word[0] && Math.abs(w.length - word.length) <= bound).sort();
      fuse = list.length ? new Fuse(list, { includeScore: true, threshold: 0.4 }) : null;
      this.fuses.set(key, fuse);
    }
    if (!fuse) return undefined;
    // fuse.js finds candidates; the edit-distance bound keeps only real typos ("identfy" -> "identify",
    // never "flight" -> "filter").
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
