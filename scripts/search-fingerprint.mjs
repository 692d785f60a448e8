#!/usr/bin/env node
/**
 * A digest of search's answers (primary and related slugs, the plan's steps) to every labelled request
 * in test/search/: a change meant to leave answers alone (a refactor, a faster path) must leave it
 * unchanged. Prints the count and the digest; with OUT, writes one answer a line to diff two trees.
 *   npm run build && node scripts/search-fingerprint.mjs [OUT]
 */
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { casesOf, loadBuilt } from './search-score.mjs';

const dir = new URL('../test/search/', import.meta.url);
const { loadRegistry, ToolSearch } = await loadBuilt();
const search = new ToolSearch(loadRegistry());
const hash = createHash('sha256');
const lines = [];
for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  for (const c of casesOf(new URL(name, dir))) {
    const hit = search.search({ use_case: c.request, ...(c.known_fields ? { known_fields: c.known_fields } : {}) }, 5);
    const line = JSON.stringify([hit.primary_tool_slugs, hit.related_tool_slugs, (hit.recommended_plan_steps ?? []).map((s) => s.tool_slug)]);
    hash.update(`${line}\n`);
    lines.push(line);
  }
}
console.log(`${lines.length} requests, answers ${hash.digest('hex').slice(0, 16)}`);
if (process.argv[2]) writeFileSync(process.argv[2], `${lines.join('\n')}\n`);
