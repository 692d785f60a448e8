#!/usr/bin/env node
/**
 * How well search's learning from labelled requests carries to requests it has not seen: each labelled
 * set in turn is left out of the requests search learns from and scored (aggregates only), so no set
 * is scored by a search that learned from it.
 *   npm run build && node bench/search-crossval.mjs [--off=ranking|deciding] [SET...]
 * (default: the sets labelled by kind). `--off` switches one use of the labelled requests off, to see
 * what it earns: `ranking` (the closest labelled request's score), `deciding` (its say in answer or not).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gather, LEARNED_FROM } from '../scripts/build-search-examples.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { loadRegistry } = await load('inventory.js');
const { ToolSearch } = await load('search/search.js');
const { WEIGHTS } = await load('search/weights.js');

const args = process.argv.slice(2);
const off = args.find((a) => a.startsWith('--off='))?.slice(6);
if (off === 'ranking') WEIGHTS.labelled = 0;
else if (off === 'deciding') WEIGHTS.answer.nearest = { ...WEIGHTS.answer.nearest, unserved: false, servedRatio: Infinity, servedMin: Infinity };
else if (off) throw new Error(`--off=${off}: ranking or deciding`);

const knownText = (k) => (k && typeof k === 'object' ? Object.entries(k).map(([n, v]) => `${n}:${v}`).join(', ') : k);
const registry = loadRegistry();
const named = args.filter((a) => !a.startsWith('--'));
const sets = named.length ? named : ['heldout-A.json', 'heldout-B.json', 'dev-C.json', 'heldout-C.json', 'heldout-D.json', 'heldout-E.json', 'heldout-F.json', 'heldout-G.json', 'heldout-H.json'];

for (const name of sets) {
  const labelled = gather(LEARNED_FROM.filter((n) => n !== name));
  const left = new Set(gather([name]).map((r) => r.request.trim().toLowerCase()));
  // A request also written in another set is not unseen: it is left out of the learning too.
  const search = new ToolSearch(registry, { labelled: labelled.filter((r) => !left.has(r.request.trim().toLowerCase())) });
  const by = {};
  for (const c of JSON.parse(readFileSync(join(root, 'test/search', name), 'utf8')).cases) {
    const kind = c.kind ?? ((c.acceptable ?? []).length ? 'all' : 'offtopic');
    const s = (by[kind] ??= { n: 0, top1: 0, top3: 0, empty: 0, first: 0, firstN: 0 });
    const k = knownText(c.known_fields);
    const hit = search.search({ use_case: c.request, ...(k ? { known_fields: k } : {}) });
    const got = hit.primary_tool_slugs;
    s.n++;
    if (!got.length) s.empty++;
    if (kind === 'offtopic') continue;
    const rank = got.findIndex((x) => c.acceptable.includes(x));
    if (rank === 0) s.top1++;
    if (rank >= 0 && rank < 3) s.top3++;
    if (kind === 'multistep' && c.first_step?.length) {
      s.firstN++;
      if (c.first_step.includes(hit.recommended_plan_steps?.[0]?.tool_slug ?? got[0])) s.first++;
    }
  }
  const f = (a, b) => (b ? (a / b).toFixed(2) : '-');
  const on = Object.entries(by).filter(([k]) => k !== 'offtopic');
  const onN = on.reduce((a, [, s]) => a + s.n, 0);
  const onEmpty = on.reduce((a, [, s]) => a + s.empty, 0);
  console.log(`${name}, left out of the learning: on-topic empty ${f(onEmpty, onN)} (${onEmpty}/${onN})`);
  for (const [kind, s] of Object.entries(by).sort()) {
    if (kind === 'offtopic') console.log(`  offtopic   n=${s.n}  correctly empty=${f(s.empty, s.n)}`);
    else console.log(`  ${kind.padEnd(10)} n=${s.n}  top1=${f(s.top1, s.n)}  top3=${f(s.top3, s.n)}${s.firstN ? `  first_step=${f(s.first, s.firstN)}` : ''}`);
  }
}
