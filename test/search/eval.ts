import { readFileSync } from 'node:fs';
import type { Registry } from '../../src/registry/registry.js';
import type { ToolSearch } from '../../src/search/search.js';
import { tokens } from '../../src/search/text.js';

/** The eval set (test/search/eval-set.json) and how a search is scored on it. */

export interface EvalCase {
  tag: string;
  q: string;
  expect: string[];
  known_fields?: string;
  heldout?: boolean;
  /** Written after the tools' own use cases existed; measured once untouched, then tuned on. */
  fresh?: boolean;
  /** The last held-out part: written after all tuning, run once. */
  final?: boolean;
  /** Written for the search2 round before any of its tuning, measured once untouched, never tuned on. */
  fresh2?: boolean;
  /** Written for the search2 round after fresh2, measured once untouched, then tuned on. */
  dev2?: boolean;
  /** Written after the first search2 tuning round, measured once untouched, then tuned on. */
  fresh3?: boolean;
  /** Written for the second search2 round, measured once untouched, then tuned on. */
  dev3?: boolean;
  /** Written after all search2 tuning and run once: with fresh2, the unseen measure. */
  fresh4?: boolean;
}

export interface EvalSet {
  cases: EvalCase[];
  negatives: string[];
  /** Off-topic requests written with fresh2: measured and reported, not asserted. */
  fresh2_negatives?: string[];
  fresh3_negatives?: string[];
  fresh4_negatives?: string[];
}

export function loadEvalSet(): EvalSet {
  return JSON.parse(readFileSync(new URL('./eval-set.json', import.meta.url), 'utf8'));
}

export interface Score {
  n: number;
  top1: number;
  top3: number;
  misses: { q: string; expect: string[]; got: string[] }[];
}

/** top-1 / top-3 over the primaries the agent would see; a miss lists what came back instead. */
export async function score(search: ToolSearch, cases: EvalCase[]): Promise<Score> {
  let top1 = 0;
  let top3 = 0;
  const misses: Score['misses'] = [];
  for (const c of cases) {
    const got = (await search.search({ use_case: c.q, known_fields: c.known_fields }, 5)).primary_tool_slugs;
    const rank = got.findIndex((s) => c.expect.includes(s));
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (rank !== 0) misses.push({ q: c.q, expect: c.expect, got: got.slice(0, 3) });
  }
  return { n: cases.length, top1: top1 / cases.length, top3: top3 / cases.length, misses };
}

const bag = (text: string) => new Set(tokens(text).filter((t) => !t.stop).map((t) => t.stem));

/**
 * How close a request is to one of its answer's own use cases or title (Jaccard over content stems).
 * Near-copies measure recall of the tools' words more than understanding; reports split them out.
 */
export function overlap(c: EvalCase, registry: Registry): number {
  const q = bag(c.q);
  let best = 0;
  for (const slug of c.expect) {
    const tool = registry.get(slug);
    for (const text of tool ? [tool.title, ...tool.useCases] : []) {
      const b = bag(text);
      const inter = [...q].filter((w) => b.has(w)).length;
      best = Math.max(best, inter / (q.size + b.size - inter || 1));
    }
  }
  return best;
}
