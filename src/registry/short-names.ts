import { createHash } from 'node:crypto';

/**
 * Direct-mode tool names that every model API accepts. MCP allows 128 characters, but several model
 * APIs refuse tool names over 64; `--tool-names=short` drops the `integration__segment__` prefix
 * (segment_list_sources) and, for the few slugs still too long, abbreviates whole words from a fixed
 * table, longest word first, until the name fits. Deterministic: the same slug always gets the same
 * name, whatever else is in scope.
 */
export const MODEL_NAME_LIMIT = 64;

/** Whole-word abbreviations, applied only as far as needed. */
const ABBREVIATIONS: Record<string, string> = {
  subscription: 'sub',
  destination: 'dest',
  configuration: 'config',
  transformation: 'transform',
  connection: 'conn',
  environment: 'env',
  definition: 'def',
  warehouse: 'wh',
  regulation: 'reg',
  statuses: 'stats',
  metrics: 'mx',
  delivery: 'dlv',
  overview: 'ovw',
  filtered: 'filt',
  workspace: 'ws',
  audience: 'aud',
  consumers: 'cons',
};

export function shortName(slug: string, limit = MODEL_NAME_LIMIT): string {
  const words = slug.toLowerCase().split('_');
  const fits = () => words.join('_').length <= limit;
  // Longest words first; among equals, the last one (the leading verb and object stay readable).
  const order = words.map((w, i) => ({ w, i })).sort((a, b) => b.w.length - a.w.length || b.i - a.i);
  for (const { w, i } of order) {
    if (fits()) break;
    const short = ABBREVIATIONS[w];
    if (short) words[i] = short;
  }
  const name = words.join('_');
  if (name.length <= limit) return name;
  // No table covers it: keep the start and add a hash of the whole slug, so it stays unique.
  const hash = createHash('sha256').update(slug).digest('hex').slice(0, 8);
  return `${name.slice(0, limit - 9).replace(/_+$/, '')}_${hash}`;
}
