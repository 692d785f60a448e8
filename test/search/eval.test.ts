import { describe, expect, it } from 'vitest';
import { ToolSearch } from '../../src/search/search.js';
import { evalRegistry } from './eval-registry.js';
import { loadEvalSet, score } from './eval.js';

const { registry, standIns } = evalRegistry();
const set = loadEvalSet();
const search = new ToolSearch(registry);
const verbose = !!process.env.EVAL_VERBOSE;

// Misses are printed for the dev part only: held-out requests must not steer tuning.
function report(name: string, s: Awaited<ReturnType<typeof score>>, showMisses = false) {
  console.log(`${name}: n=${s.n} top1=${(s.top1 * 100).toFixed(1)}% top3=${(s.top3 * 100).toFixed(1)}% (registry ${registry.size} tools, ${standIns} stand-ins)`);
  if (verbose && showMisses) for (const m of s.misses) console.log(`  MISS ${m.q}\n     want ${m.expect.join(' ')}\n     got  ${m.got.join(' ')}`);
}

describe('search accuracy on the eval set', () => {
  it('every expected slug exists in the registry', () => {
    const missing = set.cases.flatMap((c) => c.expect).filter((s) => !registry.get(s));
    expect(missing).toEqual([]);
  });

  it('covers every Public API tag and tracking with at least 150 requests', () => {
    expect(set.cases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(set.cases.map((c) => c.tag)).size).toBeGreaterThanOrEqual(34);
  });

  it('ranks the right tool first for >= 90% and in the top 3 for >= 97%', async () => {
    const all = await score(search, set.cases);
    report('all', all);
    report('dev', await score(search, set.cases.filter((c) => !c.heldout)), true);
    report('held-out', await score(search, set.cases.filter((c) => c.heldout)));
    expect(all.top1).toBeGreaterThanOrEqual(0.9);
    expect(all.top3).toBeGreaterThanOrEqual(0.97);
  });

  it('answers requests about something else with no primary tool and a note', async () => {
    for (const q of set.negatives) {
      const hit = await search.search({ use_case: q });
      expect(hit.primary_tool_slugs, q).toEqual([]);
      expect(hit.note).toBeTruthy();
    }
  });
});
