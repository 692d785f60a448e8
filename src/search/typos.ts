import { boundedMemo } from '../util/bounded-memo.js';
import { editDistance } from '../util/edit-distance.js';
import { once } from '../util/once.js';
import { englishCounts } from './english.js';
import { WEIGHTS } from './weights.js';

/**
 * Corrects a word no tool uses ("idnetify", "grup") to the closest one that some tool does, with the same
 * first letter (rarely mistyped), a swap of two letters counting once (MiniSearch's fuzzy counts it twice).
 */
export class TypoFixer {
  private readonly known: Set<string>;

  /** `vocabulary`: the tools' words with how many tools use each, in `byUse` order (as the index saves it). */
  constructor(private readonly vocabulary: readonly [string, number][]) {
    this.known = new Set(vocabulary.map(([w]) => w));
  }

  /**
   * Known words by length, and by their letters without vowels after the first ("user" -> "usr"), most
   * used first. Made when the first unknown word comes: most requests have none, and the first search would wait.
   */
  private readonly tables = once(() => {
    const byLength = new Map<number, string[]>();
    const skeletons = new Map<string, string>();
    for (const [w] of this.vocabulary) {
      (byLength.get(w.length) ?? byLength.set(w.length, []).get(w.length)!).push(w);
      if (w.length >= 4) {
        const key = skeleton(w);
        if (!skeletons.has(key)) skeletons.set(key, w);
      }
    }
    return { byLength, skeletons };
  });

  knows(word: string): boolean {
    return this.known.has(word);
  }

  /** The intended word, or undefined when the word is known or nothing is close enough. */
  fix(word: string): string | undefined {
    const t = WEIGHTS.typo;
    if (word.length < t.minLength || this.known.has(word) || !/^[a-z]+$/.test(word)) return undefined;
    // A word everyday English uses often enough is a word, not a typo ("post" is not "past").
    if ((englishCounts().get(word) ?? 0) >= t.englishWord) return undefined;
    return this.corrected(word) ?? undefined;
  }

  /** The fix of an unknown word (null: none), remembered. */
  private readonly corrected = boundedMemo(5_000, (word: string): string | null => {
    const t = WEIGHTS.typo;
    // A word without its vowels ("grps", "wrkspc") is an abbreviation, read before any edit; not at
    // three letters, too few to tell from a pasted id's prefix ("src_ios").
    const bare = skeleton(word);
    const abbreviation = word.length >= 4 ? this.tables().skeletons.get(bare) : undefined;
    return (bare === word ? abbreviation : undefined) ?? this.closest(word, word.length >= t.longWord ? t.longDistance : t.distance) ?? abbreviation ?? null;
  });

  /** The closest known word; of those as close, one with the same consonants ("lst": list, not let; "rols": roles, not rows). */
  private closest(word: string, max: number): string | undefined {
    const shape = skeleton(word);
    let best: string | undefined;
    let bestD = max + 1;
    let bestShaped = false;
    for (let len = word.length - max; len <= word.length + max; len++) {
      for (const cand of this.tables().byLength.get(len) ?? []) {
        if (cand[0] !== word[0]) continue;
        const d = editDistance(word, cand, Math.min(bestD, max));
        const shaped = d <= max && skeleton(cand) === shape;
        if (d < bestD || (d === bestD && shaped && !bestShaped)) {
          best = cand;
          bestD = d;
          bestShaped = shaped;
        }
      }
    }
    return best;
  }
}

/** A word's first letter and the consonants after it: "workspace" -> "wrkspc". */
function skeleton(word: string): string {
  return word[0] + word.slice(1).replace(/[aeiouy]/g, '');
}

/** Most used first, then alphabetically (code units: the same order as localeCompare for a-z, 0-9, far cheaper). */
export function byUse(a: readonly [string, number], b: readonly [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}
