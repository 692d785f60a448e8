import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { slugOf } from './rules.mjs';

/**
 * The project's own words for each operation (description, tags, use cases, pitfalls, related), kept
 * in words/*.yaml keyed by operationId. The description's prose is never used; these words are what
 * search and agents read.
 */

export function loadWords(dir) {
  const words = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const parsed = parse(readFileSync(join(dir, file), 'utf8')) ?? {};
    for (const [id, w] of Object.entries(parsed)) {
      if (words[id]) throw new Error(`words: ${id} appears twice (second time in ${file})`);
      words[id] = w;
    }
  }
  return words;
}

const isStrings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim());

/** Fails loudly, listing every operation without words and every malformed entry. */
export function checkWords(operationIds, words) {
  const problems = [];
  const known = new Set(operationIds);
  for (const id of operationIds) {
    const w = words[id];
    if (!w) {
      problems.push(`${id}: no words (add description and useCases to scripts/public-api/words/)`);
      continue;
    }
    if (typeof w.description !== 'string' || w.description.trim().length < 20) problems.push(`${id}: description missing or too short`);
    if (!isStrings(w.useCases) || w.useCases.length < 2) problems.push(`${id}: needs at least two useCases`);
    for (const key of ['tags', 'pitfalls', 'related']) if (w[key] !== undefined && !isStrings(w[key])) problems.push(`${id}: ${key} must be a list of strings`);
    if (w.facts !== undefined) {
      const bad = Object.keys(w.facts).filter((k) => !['operation', 'object', 'scope', 'needs', 'yields', 'mentions'].includes(k));
      if (bad.length) problems.push(`${id}: facts may only set operation, object, scope, needs, yields, mentions (not ${bad.join(', ')})`);
      for (const key of ['needs', 'yields', 'mentions']) if (w.facts[key] !== undefined && !(Array.isArray(w.facts[key]) && w.facts[key].every((s) => typeof s === 'string'))) problems.push(`${id}: facts.${key} must be a list of id names`);
    }
    for (const r of w.related ?? []) if (!r.startsWith('SEGMENT_') && !known.has(r)) problems.push(`${id}: related "${r}" is not an operation`);
  }
  for (const id of Object.keys(words)) if (!known.has(id)) problems.push(`${id}: words for an operation the description does not have (remove them)`);
  if (problems.length) throw new Error(`Public API words are incomplete:\n  ${problems.join('\n  ')}`);
}

/** A related entry is an operationId (turned into its slug) or a slug of another tool. */
export const relatedSlug = (r) => (r.startsWith('SEGMENT_') ? r : slugOf(r));
