#!/usr/bin/env node
/**
 * Scores search on an evaluation set and prints aggregates only, never a request: safe to run on a
 * held-out set whose requests must stay unseen.
 *   npm run build && node scripts/eval-search.mjs FILE [--json]
 * FILE: {"cases":[{"request","kind":"agent|person|multistep|typo|offtopic","acceptable":[slugs],
 * "first_step":[slugs],"known_fields"?}]}. Also reads the older formats of test/search/ (q/expect with
 * "negatives", or request/acceptable without a kind).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node scripts/eval-search.mjs FILE [--json]   (run npm run build first)');
  process.exit(2);
}

const { loadRegistry } = await import(pathToFileURL(join(root, 'dist/inventory.js')).href);
const { ToolSearch } = await import(pathToFileURL(join(root, 'dist/search/search.js')).href);

/** SEARCH_TOOLS takes known fields as text ("sourceId:src_1, userId:42"); sets may write an object. */
const knownText = (k) => (k && typeof k === 'object' ? Object.entries(k).map(([n, v]) => `${n}:${v}`).join(', ') : k);

function casesOf(doc) {
  const out = [];
  for (const c of doc.cases ?? []) {
    const request = c.request ?? c.q;
    const acceptable = c.acceptable ?? c.expect ?? [];
    out.push({ request, acceptable, kind: c.kind ?? (acceptable.length ? 'unlabelled' : 'offtopic'), first_step: c.first_step, known_fields: knownText(c.known_fields) });
  }
  for (const key of Object.keys(doc).filter((k) => /negatives$/.test(k))) for (const q of doc[key]) out.push({ request: q, acceptable: [], kind: 'offtopic' });
  return out;
}

const cases = casesOf(JSON.parse(readFileSync(file, 'utf8')));
const search = new ToolSearch(loadRegistry());
const stats = new Map();
const get = (kind) => stats.get(kind) ?? stats.set(kind, { n: 0, top1: 0, top3: 0, empty: 0, firstN: 0, first: 0 }).get(kind);
for (const c of cases) {
  const hit = search.search({ use_case: c.request, ...(c.known_fields ? { known_fields: c.known_fields } : {}) }, 5);
  const s = get(c.kind);
  s.n++;
  const slugs = hit.primary_tool_slugs;
  if (!slugs.length) s.empty++;
  if (c.kind === 'offtopic') continue;
  const rank = slugs.findIndex((x) => c.acceptable.includes(x));
  if (rank === 0) s.top1++;
  if (rank >= 0 && rank < 3) s.top3++;
  // The plan's first step is scored for multi-step goals only (a set may copy first_step everywhere).
  if (c.kind === 'multistep' && c.first_step?.length) {
    s.firstN++;
    const first = hit.recommended_plan_steps?.[0]?.tool_slug ?? slugs[0];
    if (c.first_step.includes(first)) s.first++;
  }
}

const pct = (a, b) => (b ? (a / b).toFixed(2) : '-');
const rows = [];
let onTopic = 0;
let onTopicEmpty = 0;
for (const [kind, s] of [...stats].sort(([a], [b]) => a.localeCompare(b))) {
  if (kind === 'offtopic') {
    rows.push({ kind, n: s.n, offtopic_empty: pct(s.empty, s.n) });
    continue;
  }
  onTopic += s.n;
  onTopicEmpty += s.empty;
  rows.push({ kind, n: s.n, top1: pct(s.top1, s.n), top3: pct(s.top3, s.n), ...(s.firstN ? { first_step: pct(s.first, s.firstN) } : {}), empty: pct(s.empty, s.n) });
}
const summary = { file: file.split('/').pop(), tools: search.registry?.size, on_topic: onTopic, on_topic_empty: pct(onTopicEmpty, onTopic), kinds: rows };
if (args.includes('--json')) console.log(JSON.stringify(summary, null, 2));
else {
  console.log(`${summary.file}: ${onTopic} on-topic requests, ${pct(onTopicEmpty, onTopic)} of them left without a tool`);
  for (const r of rows) console.log(`  ${r.kind.padEnd(10)} n=${String(r.n).padEnd(4)} ${Object.entries(r).filter(([k]) => !['kind', 'n'].includes(k)).map(([k, v]) => `${k}=${v}`).join('  ')}`);
}
