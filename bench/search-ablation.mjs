#!/usr/bin/env node
/**
 * What each step of search earns: scores an evaluation set with each project-own step switched off in
 * turn (through WEIGHTS), aggregates only. `npm run build && node bench/search-ablation.mjs FILE...`
 * The table in bench/README.md ("Search: what each part earns") comes from this.
 */
import { casesOf, loadBuilt, onTopicEmpty, ratio, score } from '../scripts/search-score.mjs';

const { loadRegistry, ToolSearch, WEIGHTS } = await loadBuilt();

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
  // On a set search learned from these two say little: bench/search-crossval.mjs --off=... leaves the set out.
  'labelled: not in ranking': (w) => (w.labelled = 0),
  'labelled: no say in answering': (w) => (w.answer.nearest = { ...w.answer.nearest, unserved: false, servedMin: Infinity }),
};

const registry = loadRegistry();
const saved = structuredClone(WEIGHTS);
for (const file of process.argv.slice(2)) {
  const set = casesOf(file);
  console.log(`\n${file.split('/').pop()} (${set.length} requests)`);
  for (const [name, off] of Object.entries(STEPS)) {
    Object.assign(WEIGHTS, structuredClone(saved));
    off(WEIGHTS);
    const by = score(new ToolSearch(registry), set);
    const parts = [...by].map(([k, s]) => (k === 'offtopic' ? `offtopic empty ${ratio(s.empty, s.n)}` : `${k} ${ratio(s.top1, s.n)}/${ratio(s.top3, s.n)}${s.firstN ? ` first ${ratio(s.first, s.firstN)}` : ''}`));
    const on = onTopicEmpty(by);
    const onEmpty = on.empty / Math.max(1, on.n);
    console.log(`  ${name.padEnd(30)} ${parts.join(' | ')} | on-topic empty ${(onEmpty * 100).toFixed(1)}%`);
  }
}
