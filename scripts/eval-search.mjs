#!/usr/bin/env node
/**
 * Scores search on an evaluation set and prints aggregates only, never a request: safe to run on a
 * held-out set whose requests must stay unseen. The search scoring it learns from every labelled set
 * but this one, and not from any request this one also holds (other sets wrote some of the same words).
 *   npm run build && node scripts/eval-search.mjs FILE [--json]
 * FILE: {"cases":[{"request","kind":"agent|person|multistep|typo|offtopic","acceptable":[slugs],
 * "first_step":[slugs],"known_fields"?}]}. Also reads the older formats of test/search/ (q/expect with
 * "negatives", or request/acceptable without a kind).
 */
import { basename } from 'node:path';
import { gather, LEARNED_FROM } from './build-search-examples.mjs';
import { casesOf, loadBuilt, onTopicEmpty, ratio, score } from './search-score.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node scripts/eval-search.mjs FILE [--json]   (run npm run build first)');
  process.exit(2);
}

const { loadRegistry, ToolSearch } = await loadBuilt();

const cases = casesOf(file);
// Scored by a search that did not learn from it: the set itself, and any request of it another set also wrote, left out.
const own = new Set(cases.map((c) => c.request.trim().toLowerCase()));
const learned = gather(LEARNED_FROM.filter((n) => n !== basename(file)));
const labelled = learned.filter((r) => !own.has(r.request.trim().toLowerCase()));
const search = new ToolSearch(loadRegistry(), { labelled });
const stats = score(search, cases);

const rows = [...stats].map(([kind, s]) =>
  kind === 'offtopic'
    ? { kind, n: s.n, offtopic_empty: ratio(s.empty, s.n) }
    : { kind, n: s.n, top1: ratio(s.top1, s.n), top3: ratio(s.top3, s.n), ...(s.firstN ? { first_step: ratio(s.first, s.firstN) } : {}), empty: ratio(s.empty, s.n) },
);
const on = onTopicEmpty(stats);
const summary = { file: file.split('/').pop(), tools: search.registry?.size, left_out_of_learning: learned.length - labelled.length, on_topic: on.n, on_topic_empty: ratio(on.empty, on.n), kinds: rows };
if (args.includes('--json')) console.log(JSON.stringify(summary, null, 2));
else {
  console.log(`${summary.file}: ${on.n} on-topic requests, ${summary.on_topic_empty} of them left without a tool (${on.empty}); ${summary.left_out_of_learning} learned requests equal to some of its own left out of the learning`);
  for (const r of rows) console.log(`  ${r.kind.padEnd(10)} n=${String(r.n).padEnd(4)} ${Object.entries(r).filter(([k]) => !['kind', 'n'].includes(k)).map(([k, v]) => `${k}=${v}`).join('  ')}`);
}
