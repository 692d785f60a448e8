/**
 * Scoring search on a set of labelled requests, shared by scripts/eval-search.mjs and the search
 * benches: aggregates per kind only, never a request, so it is safe on held-out sets.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The built search (run `npm run build` first): the registry loader, ToolSearch and its WEIGHTS. */
export async function loadBuilt() {
  const load = (p) => import(pathToFileURL(new URL(`../dist/${p}`, import.meta.url).pathname).href);
  const [{ loadRegistry }, { ToolSearch }, { WEIGHTS }] = await Promise.all([load('inventory.js'), load('search/search.js'), load('search/weights.js')]);
  return { loadRegistry, ToolSearch, WEIGHTS };
}

/** SEARCH_TOOLS takes known fields as text ("sourceId:src_1, userId:42"); sets may write an object. */
export const knownText = (k) => (k && typeof k === 'object' ? Object.entries(k).map(([n, v]) => `${n}:${v}`).join(', ') : k);

/**
 * The cases of a set file: {"cases":[{"request","kind","acceptable","first_step","known_fields"}]}, or the
 * older forms of test/search/ (q/expect, "...negatives" lists of off-topic requests, no kind).
 */
export function casesOf(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const out = [];
  for (const c of doc.cases ?? []) {
    const acceptable = c.acceptable ?? c.expect ?? [];
    out.push({ request: c.request ?? c.q, acceptable, kind: c.kind ?? (acceptable.length ? 'unlabelled' : 'offtopic'), first_step: c.first_step, known_fields: knownText(c.known_fields) });
  }
  for (const key of Object.keys(doc).filter((k) => k.endsWith('negatives'))) for (const q of doc[key]) out.push({ request: q, acceptable: [], kind: 'offtopic' });
  return out;
}

/** Per kind: n, top1, top3, empty, and for multi-step goals whether the plan's first step is right. */
export function score(search, cases) {
  const by = new Map();
  for (const c of cases) {
    const s = by.get(c.kind) ?? by.set(c.kind, { n: 0, top1: 0, top3: 0, empty: 0, first: 0, firstN: 0 }).get(c.kind);
    const hit = search.search({ use_case: c.request, ...(c.known_fields ? { known_fields: c.known_fields } : {}) }, 5);
    const got = hit.primary_tool_slugs;
    s.n++;
    if (!got.length) s.empty++;
    if (c.kind === 'offtopic') continue;
    const rank = got.findIndex((x) => c.acceptable.includes(x));
    if (rank === 0) s.top1++;
    if (rank >= 0 && rank < 3) s.top3++;
    // The plan's first step is scored for multi-step goals only (a set may copy first_step everywhere).
    if (c.kind === 'multistep' && c.first_step?.length) {
      s.firstN++;
      if (c.first_step.includes(hit.recommended_plan_steps?.[0]?.tool_slug ?? got[0])) s.first++;
    }
  }
  return new Map([...by].sort(([a], [b]) => a.localeCompare(b)));
}

/** Requests on topic and how many of them got no tool. */
export function onTopicEmpty(byKind) {
  const on = [...byKind].filter(([k]) => k !== 'offtopic').map(([, s]) => s);
  return { n: on.reduce((a, s) => a + s.n, 0), empty: on.reduce((a, s) => a + s.empty, 0) };
}

export const ratio = (a, b) => (b ? (a / b).toFixed(2) : '-');
