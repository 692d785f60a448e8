import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { ToolSearch } from '../../src/search/search.js';

/**
 * The blind set: requests written without sight of the engine or the tools' words (see its "about").
 * It is the honest measure of issue 4's targets on requests nobody tuned for.
 */
interface BlindCase {
  request: string;
  acceptable: string[];
  tag: string;
}

const { cases } = JSON.parse(readFileSync(new URL('./blind-set.json', import.meta.url), 'utf8')) as { cases: BlindCase[] };
const search = new ToolSearch(loadRegistry());
const ranked = cases.map((c) => ({ c, slugs: search.search({ use_case: c.request }, 5).primary_tool_slugs }));
const positives = ranked.filter((r) => r.c.acceptable.length > 0);
const negatives = ranked.filter((r) => r.c.acceptable.length === 0);
const share = (n: number, of: number) => Math.round((1000 * n) / of) / 10;

describe('search on the blind held-out set', () => {
  it('every acceptable slug is a real tool', () => {
    const registry = loadRegistry();
    for (const { c } of ranked) for (const s of c.acceptable) expect(registry.get(s), s).toBeDefined();
  });

  it('meets the targets: top-1 >= 90 %, top-3 >= 97 %', () => {
    const top1 = positives.filter((r) => r.c.acceptable.includes(r.slugs[0]!)).length;
    const top3 = positives.filter((r) => r.slugs.slice(0, 3).some((s) => r.c.acceptable.includes(s))).length;
    expect(share(top1, positives.length), 'top-1 %').toBeGreaterThanOrEqual(90);
    expect(share(top3, positives.length), 'top-3 %').toBeGreaterThanOrEqual(97);
  });

  it('answers most off-topic requests with nothing', () => {
    const quiet = negatives.filter((r) => r.slugs.length === 0).length;
    expect(quiet, 'off-topic requests answered with no tool').toBeGreaterThanOrEqual(Math.ceil(negatives.length * 0.75));
  });
});
