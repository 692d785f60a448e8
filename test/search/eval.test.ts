import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { Registry } from '../../src/registry/registry.js';
import { ToolSearch } from '../../src/search/search.js';

/**
 * Accuracy on the evaluation sets kept in the repository. They were all seen while the engine was
 * tuned, so these floors guard against regressions; the honest measure is a held-out set, scored by
 * scripts/eval-search.mjs (aggregates only). Figures and history: bench/README.md.
 */
interface Case {
  request: string;
  acceptable: string[];
  known_fields?: string;
}

function load(name: string): Case[] {
  const doc = JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8'));
  const cases: Case[] = doc.cases.map((c: any) => ({ request: c.request ?? c.q, acceptable: c.acceptable ?? c.expect, known_fields: c.known_fields }));
  for (const key of Object.keys(doc).filter((k) => k.endsWith('negatives'))) for (const q of doc[key]) cases.push({ request: q, acceptable: [] });
  return cases;
}

const registry = loadRegistry();

function score(search: ToolSearch, cases: Case[]) {
  const on = cases.filter((c) => c.acceptable.length);
  const off = cases.filter((c) => !c.acceptable.length);
  let top1 = 0;
  let top3 = 0;
  let empty = 0;
  for (const c of on) {
    const got = search.search({ use_case: c.request, known_fields: c.known_fields }).primary_tool_slugs;
    const rank = got.findIndex((s) => c.acceptable.includes(s));
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (!got.length) empty++;
  }
  const quiet = off.filter((c) => search.search({ use_case: c.request }).primary_tool_slugs.length === 0).length;
  return { top1: top1 / on.length, top3: top3 / on.length, empty: empty / on.length, offtopicEmpty: off.length ? quiet / off.length : 1 };
}

describe('search accuracy on the sets in the repository', () => {
  it('names only real tools', () => {
    for (const name of ['eval-set.json', 'blind-set.json']) for (const c of load(name)) for (const s of c.acceptable) expect(registry.get(s), s).toBeDefined();
  });

  it('holds its floors on the eval set (696 requests, 36 off-topic)', () => {
    const s = score(new ToolSearch(registry), load('eval-set.json'));
    console.log('eval-set', s);
    expect(s.top1).toBeGreaterThanOrEqual(0.78);
    expect(s.top3).toBeGreaterThanOrEqual(0.92);
    expect(s.empty).toBeLessThanOrEqual(0.02);
    expect(s.offtopicEmpty).toBeGreaterThanOrEqual(0.55);
  });

  it('holds its floors on the older blind set (120 requests, 8 off-topic)', () => {
    const s = score(new ToolSearch(registry), load('blind-set.json'));
    console.log('blind-set', s);
    expect(s.top1).toBeGreaterThanOrEqual(0.84);
    expect(s.top3).toBeGreaterThanOrEqual(0.96);
    expect(s.empty).toBeLessThanOrEqual(0.02);
  });

  it('still ranks on generated words alone (no hand-written descriptions, tags or use cases)', () => {
    // The tools' own words could drift toward the sets; names and facts alone must still carry most of it.
    const bare = new Registry(registry.tools.map((t) => (t.api === 'public' ? { ...t, description: '', tags: [], useCases: [] } : t)), registry.aliasList());
    const s = score(new ToolSearch(bare), load('eval-set.json'));
    console.log('generated words only', s);
    expect(s.top3).toBeGreaterThanOrEqual(0.5);
  });
});
