#!/usr/bin/env node
/**
 * Re-reads the per-set floors of test/search/eval.test.ts from the current build: each set scored by a
 * search that did not learn from it, as the test scores it (top-1 and top-3 per kind and off-topic
 * empty rounded down to 0.01; on-topic empty rounded up to 0.001, at least 0.01). Run it after search
 * learns a new set or a change moves answers on purpose, and read the diff: a floor going down is a
 * request answered worse, to be weighed and said in the commit.
 *   npm run build && node scripts/search-floors.mjs [NEW_SET.json...]   (new sets are added to the tables)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gather, LEARNED_FROM } from './build-search-examples.mjs';
import { casesOf, loadBuilt, onTopicEmpty, score } from './search-score.mjs';

const { loadRegistry, ToolSearch } = await loadBuilt();
const registry = loadRegistry();
const testFile = new URL('../test/search/eval.test.ts', import.meta.url);
let text = readFileSync(testFile, 'utf8');
const names = [...text.matchAll(/^ {4}'([^']+\.json)': \{ agent/gm)].map((m) => m[1]);
for (const extra of process.argv.slice(2)) if (!names.includes(extra)) names.push(extra);
const down = (x) => Math.floor(x * 100 + 1e-9) / 100;
const floors = [];
const offtopic = [];
const empty = [];
for (const name of names) {
  const cases = casesOf(new URL(`../test/search/${name}`, import.meta.url));
  const own = new Set(cases.map((c) => c.request.trim().toLowerCase()));
  const labelled = gather(LEARNED_FROM.filter((n) => n !== name)).filter((r) => !own.has(r.request.trim().toLowerCase()));
  const by = score(new ToolSearch(registry, { labelled }), cases);
  const kinds = ['agent', 'multistep', 'person', 'typo'].map((k) => `${k}: [${down(by.get(k).top1 / by.get(k).n)}, ${down(by.get(k).top3 / by.get(k).n)}]`);
  floors.push(`    '${name}': { ${kinds.join(', ')} },`);
  offtopic.push(`'${name}': ${down(by.get('offtopic').empty / by.get('offtopic').n)}`);
  const on = onTopicEmpty(by);
  empty.push(`'${name}': ${Math.max(0.01, Math.ceil((on.empty / on.n) * 1000 - 1e-9) / 1000)}`);
}
text = text.replace(/( {2}const floors: Record<string, Record<string, \[number, number\]>> = \{\n)[\s\S]*?(\n {2}\};)/, `$1${floors.join('\n')}$2`);
text = text.replace(/( {2}const offtopic: Record<string, number> = \{ )[^\n]*( \};)/, `$1${offtopic.join(', ')}$2`);
text = text.replace(/( {2}const onTopicEmpty: Record<string, number> = \{ )[^\n]*( \};)/, `$1${empty.join(', ')}$2`);
writeFileSync(testFile, text);
console.log(`floors of ${names.length} sets written to test/search/eval.test.ts; git diff shows what moved`);
