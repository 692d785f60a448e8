#!/usr/bin/env node
/**
 * What each step of search earns: with each project-own step switched off in turn (through WEIGHTS),
 * every set is scored by a search that did not learn from it (left out, as bench/search-crossval.mjs
 * does), and the means over the sets are printed per kind, aggregates only.
 *   npm run build && node bench/search-ablation.mjs [--step=NAME] SET...   (SET: a file name in test/search)
 * The table in bench/README.md ("Search: what each part earns") comes from this.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gather, LEARNED_FROM } from '../scripts/build-search-examples.mjs';
import { casesOf, loadBuilt, onTopicEmpty, score } from '../scripts/search-score.mjs';

const { loadRegistry, ToolSearch, WEIGHTS } = await loadBuilt();

const STEPS = {
  'all steps on': () => {},
  'no typo correction': (w) => (w.typo.minLength = 99),
  'typos: English words too': (w) => (w.typo.englishWord = Infinity),
  'catalog kinds as evidence': (w) => (w.answer.impliedKinds = true),
  'generic verbs as evidence': (w) => (w.answer.genericVerbs = true),
  'no operation step (verb fit)': (w) => ((w.otherOperation = 1), (w.questionOperation = 1)),
  'no sibling operations': (w) => (w.siblingOperation = 0), // a sibling fits as any other operation (0.7)
  'no read prior when no verb': (w) => (w.verbless = { read: 1, write: 1, destructive: 1 }),
  'no unstemmed object field': (w) => (w.fields.objectExact = 1e-9), // MiniSearch reads a boost of 0 as 1
  'no single-use-case index': (w) => (w.useCase = 0),
  'no known-field boost': (w) => (w.knownField = 0),
  'no finds-known penalty': (w) => (w.findsKnown = 1),
  'labelled: not in ranking': (w) => ((w.labelled = 0), (w.secondLabelled = 0)),
  'labelled: closest only, no second': (w) => (w.secondLabelled = 0),
  'answering: closest only, no second': (w) => (w.answer.nearest.second = 0),
  'labelled: no say in answering': (w) => (w.answer.nearest = { ...w.answer.nearest, unserved: false, servedMin: Infinity }),
};

const root = fileURLToPath(new URL('..', import.meta.url));
const registry = loadRegistry();
const saved = structuredClone(WEIGHTS);
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--step='))?.slice(7);
const sets = args.filter((a) => !a.startsWith('--')).map((name) => {
  const cases = casesOf(join(root, 'test/search', name));
  const left = new Set(cases.map((c) => c.request.trim().toLowerCase()));
  // A request also written in another set is not unseen: it is left out of the learning too.
  return { cases, labelled: gather(LEARNED_FROM.filter((n) => n !== name)).filter((r) => !left.has(r.request.trim().toLowerCase())) };
});
const f3 = (x) => x.toFixed(3);
/**
 * The weights as saved, written back into the objects search holds: the index's scoring keeps the
 * `fields` object it was made with, so replacing that object would switch nothing off.
 */
function restore(target, source) {
  for (const [k, v] of Object.entries(source)) {
    if (v && typeof v === 'object' && target[k] && typeof target[k] === 'object') restore(target[k], v);
    else target[k] = structuredClone(v);
  }
}
for (const [name, off] of Object.entries(STEPS)) {
  if (only && name !== only) continue;
  restore(WEIGHTS, saved);
  off(WEIGHTS);
  // Means over the sets of each kind's shares (each set weighs the same, as in bench/README.md's tables).
  const sum = new Map();
  const add = (k, v) => sum.set(k, [...(sum.get(k) ?? [0, 0]).map((x, i) => x + (i ? 1 : v))]);
  for (const { cases, labelled } of sets) {
    const by = score(new ToolSearch(registry, { labelled }), cases);
    for (const [k, s] of by) {
      if (k === 'offtopic') add('offtopic', s.empty / s.n);
      else {
        add(`${k} top1`, s.top1 / s.n);
        add(`${k} top3`, s.top3 / s.n);
        if (s.firstN) add(`${k} first`, s.first / s.firstN);
      }
    }
    const on = onTopicEmpty(by);
    add('on-topic empty %', (100 * on.empty) / Math.max(1, on.n));
  }
  const parts = [...sum].map(([k, [v, n]]) => `${k} ${f3(v / n)}`);
  console.log(`${name.padEnd(30)} ${parts.join(' | ')}`);
}
