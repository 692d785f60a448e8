#!/usr/bin/env node
/**
 * What each step of search earns: scores an evaluation set with each project-own step switched off in
 * turn (through WEIGHTS), aggregates only. `npm run build && node bench/search-ablation.mjs FILE...`
 * The table in bench/README.md ("Search: what each part earns") comes from this.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { loadRegistry } = await load('inventory.js');
const { ToolSearch } = await load('search/search.js');
const { WEIGHTS } = await load('search/weights.js');

const STEPS = {
  'all steps on': () => {},
  'no typo correction': (w) => (w.typo.minLength = 99),
  'typos: English words too': (w) => (w.typo.englishWord = Infinity),
  'catalog kinds as evidence': (w) => (w.answer.impliedKinds = true),
  'generic verbs as evidence': (w) => (w.answer.genericVerbs = true),
  'catalog kinds never evidence': (w) => (w.answer.impliedAt = Infinity),
  'no negation step': (w) => (w.negation = false),
  'no operation step (verb fit)': (w) => ((w.otherOperation = 1), (w.questionOperation = 1)),
  'no read prior when no verb': (w) => (w.verbless = { read: 1, write: 1, destructive: 1 }),
  'no unstemmed object field': (w) => (w.fields.objectExact = 0),
  'no single-use-case index': (w) => (w.useCase = 0),
  'no known-field boost': (w) => (w.knownField = 0),
};

/** SEARCH_TOOLS takes known fields as text ("sourceId:src_1"); sets may write an object. */
const knownText = (k) => (k && typeof k === 'object' ? Object.entries(k).map(([n, v]) => `${n}:${v}`).join(', ') : k);

function cases(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const out = (doc.cases ?? []).map((c) => ({ request: c.request ?? c.q, acceptable: c.acceptable ?? c.expect ?? [], kind: c.kind ?? ((c.acceptable ?? c.expect ?? []).length ? 'all' : 'offtopic'), known_fields: knownText(c.known_fields), first_step: c.first_step }));
  for (const k of Object.keys(doc).filter((k) => k.endsWith('negatives'))) for (const q of doc[k]) out.push({ request: q, acceptable: [], kind: 'offtopic' });
  return out;
}

const registry = loadRegistry();
const saved = structuredClone(WEIGHTS);
for (const file of process.argv.slice(2)) {
  const set = cases(file);
  console.log(`\n${file.split('/').pop()} (${set.length} requests)`);
  for (const [name, off] of Object.entries(STEPS)) {
    Object.assign(WEIGHTS, structuredClone(saved));
    off(WEIGHTS);
    const search = new ToolSearch(registry);
    const by = {};
    for (const c of set) {
      const s = (by[c.kind] ??= { n: 0, top1: 0, top3: 0, empty: 0, first: 0, firstN: 0 });
      const hit = search.search({ use_case: c.request, ...(c.known_fields ? { known_fields: c.known_fields } : {}) });
      const got = hit.primary_tool_slugs;
      s.n++;
      if (!got.length) s.empty++;
      const rank = got.findIndex((x) => c.acceptable.includes(x));
      if (rank === 0) s.top1++;
      if (rank >= 0 && rank < 3) s.top3++;
      // The plan's first step is scored for multi-step goals only, as scripts/eval-search.mjs does.
      if (c.kind === 'multistep' && c.first_step?.length) {
        s.firstN++;
        if (c.first_step.includes(hit.recommended_plan_steps?.[0]?.tool_slug)) s.first++;
      }
    }
    const f = (a, b) => (a / b).toFixed(2);
    const parts = Object.entries(by).sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => (k === 'offtopic' ? `offtopic empty ${f(s.empty, s.n)}` : `${k} ${f(s.top1, s.n)}/${f(s.top3, s.n)}${s.firstN ? ` first ${f(s.first, s.firstN)}` : ''}`));
    const on = Object.entries(by).filter(([k]) => k !== 'offtopic').map(([, s]) => s);
    const onEmpty = on.reduce((a, s) => a + s.empty, 0) / Math.max(1, on.reduce((a, s) => a + s.n, 0));
    console.log(`  ${name.padEnd(30)} ${parts.join(' | ')} | on-topic empty ${(onEmpty * 100).toFixed(1)}%`);
  }
}
