#!/usr/bin/env node
/**
 * How well search's learning from labelled requests carries to requests it has not seen: each labelled
 * set in turn is left out of the requests search learns from and scored (aggregates only), so no set
 * is scored by a search that learned from it.
 *   npm run build && node bench/search-crossval.mjs [--off=ranking|asked|deciding] [SET...]
 * (default: the sets labelled by kind). `--off` switches one use of the labelled requests off, to see
 * what it earns: `ranking` (the closest labelled request's score), `asked` (the labelled requests as
 * one field of each tool's text), `deciding` (its say in answer or not).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gather, LEARNED_FROM } from '../scripts/build-search-examples.mjs';
import { casesOf, loadBuilt, onTopicEmpty, ratio, score } from '../scripts/search-score.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { loadRegistry, ToolSearch, WEIGHTS } = await loadBuilt();

const args = process.argv.slice(2);
const off = args.find((a) => a.startsWith('--off='))?.slice(6);
if (off === 'ranking') WEIGHTS.labelled = 0;
else if (off === 'asked') WEIGHTS.fields.asked = 1e-9; // MiniSearch reads a boost of 0 as 1
else if (off === 'deciding') WEIGHTS.answer.nearest = { ...WEIGHTS.answer.nearest, unserved: false, servedRatio: Infinity, servedMin: Infinity };
else if (off) throw new Error(`--off=${off}: ranking, asked or deciding`);

const registry = loadRegistry();
const named = args.filter((a) => !a.startsWith('--'));
const sets = named.length ? named : ['heldout-A.json', 'heldout-B.json', 'dev-C.json', 'heldout-C.json', 'heldout-D.json', 'heldout-E.json', 'heldout-F.json', 'heldout-G.json', 'heldout-H.json'];

for (const name of sets) {
  const cases = casesOf(join(root, 'test/search', name));
  // A request also written in another set is not unseen: it is left out of the learning too.
  const left = new Set(cases.map((c) => c.request.trim().toLowerCase()));
  const labelled = gather(LEARNED_FROM.filter((n) => n !== name)).filter((r) => !left.has(r.request.trim().toLowerCase()));
  const by = score(new ToolSearch(registry, { labelled }), cases);
  const on = onTopicEmpty(by);
  console.log(`${name}, left out of the learning: on-topic empty ${ratio(on.empty, on.n)} (${on.empty}/${on.n})`);
  for (const [kind, s] of by) {
    if (kind === 'offtopic') console.log(`  offtopic   n=${s.n}  correctly empty=${ratio(s.empty, s.n)}`);
    else console.log(`  ${kind.padEnd(10)} n=${s.n}  top1=${ratio(s.top1, s.n)}  top3=${ratio(s.top3, s.n)}${s.firstN ? `  first_step=${ratio(s.first, s.firstN)}` : ''}`);
  }
}
