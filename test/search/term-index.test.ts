import { readFileSync } from 'node:fs';
import MiniSearch, { type Options } from 'minisearch';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { FIELDS, toolDocument } from '../../src/search/documents.js';
import { SearchEngine } from '../../src/search/engine.js';
import { saveIndex, TermIndex, type SavedIndex, type Scoring } from '../../src/search/term-index.js';
import { fromBytes, toBytes } from '../../src/util/numbers-json.js';
import { WEIGHTS } from '../../src/search/weights.js';

type Doc = Record<string, unknown>;
const tools = loadRegistry().tools;
const docs: Doc[] = tools.map((t) => ({ ...toolDocument(t) }));
// Short texts as the engine's second index holds them: numeric ids, a list of tools, a flag only some have.
const caseDocs: Doc[] = tools.flatMap((t) => t.useCases.map((text) => ({ text, tools: [t.slug], useCase: true })));
for (const t of tools.slice(0, 40)) caseDocs.push({ text: `${t.title} please`, tools: [t.slug, tools[0]!.slug] }, { text: `not ${t.title} at all, Ünïcode Événement`, tools: [] });
caseDocs.forEach((d, k) => (d.id = k));
const requests: string[] = (JSON.parse(readFileSync(new URL('./eval-set.json', import.meta.url), 'utf8')) as { cases: { q: string }[] }).cases
  .slice(0, 80)
  .map((c) => c.q)
  .concat(['événement unicode', 'source source sources', '', '   ', 'destinations destination destin']);

/** Terms as lists, some repeated across words ("sources" and "source" share "source"): what the engine's own step does. */
const stemLike = (term: string) => {
  const t = term.toLowerCase();
  return t.length < 2 ? null : [...new Set([t.replace(/s$/, ''), t])];
};
const lower = (term: string) => term.toLowerCase();

const SCORINGS: [string, Scoring][] = [
  ['engine-like', { processTerm: stemLike, prefixWeight: WEIGHTS.prefix, prefixMinLength: WEIGHTS.prefixMinLength, bm25: WEIGHTS.bm25, boost: WEIGHTS.fields }],
  ['short prefixes, no boosts', { processTerm: lower, prefixWeight: 0.6, prefixMinLength: 2, bm25: { k: 1.5, b: 0.5, d: 1 } }],
  ['no prefixes', { processTerm: stemLike, prefixWeight: 0.3, prefixMinLength: 1000, bm25: WEIGHTS.bm25, boost: { title: 2, description: 0.5 } }],
];

/** MiniSearch's search() with the same options, as our index is meant to score. */
function miniSearch(index: MiniSearch, q: string, s: Scoring) {
  return index
    .search(q, { combineWith: 'OR', prefix: (t) => t.length >= s.prefixMinLength, weights: { prefix: s.prefixWeight, fuzzy: 0 }, ...(s.boost ? { boost: s.boost } : {}), bm25: s.bm25 })
    .map((r) => ({ id: r.id as unknown, score: r.score, match: r.match }));
}

/** Our index's answer in MiniSearch's shape: hits sorted by score, ties in the order found (its stable sort). */
function ours(index: TermIndex, documents: Doc[], q: string) {
  const { hits, score } = index.search(q);
  return [...hits].map((doc) => ({ id: documents[doc]!.id, score: score[doc]!, match: index.match(doc) })).sort((a, b) => b.score - a.score);
}

describe('the term index', () => {
  it('scores exactly as MiniSearch search(): the same hits, in the same order, to the last bit, with the same matches', () => {
    for (const [options, documents] of [
      [{ fields: [...FIELDS], idField: 'id' }, docs],
      [{ fields: ['text'], idField: 'id', storeFields: ['tools', 'useCase'] }, caseDocs],
    ] as [Options<Doc>, Doc[]][]) {
      for (const [name, scoring] of SCORINGS) {
        const built = new MiniSearch({ ...options, processTerm: scoring.processTerm });
        built.addAll(documents);
        const loaded = MiniSearch.loadJSON(JSON.stringify(built), { ...options, processTerm: scoring.processTerm });
        // Saved and loaded as the build saves it.
        const index = new TermIndex(fromBytes<SavedIndex>(toBytes(saveIndex(built))), scoring);
        for (const q of requests) {
          const expected = miniSearch(loaded, q, scoring);
          expect(ours(index, documents, q), `${name}: ${q}`).toEqual(expected);
        }
      }
    }
  });

  it('refuses an index with removed documents (its short ids have gaps)', () => {
    const index = new MiniSearch<Doc>({ fields: ['text'], idField: 'id' });
    index.addAll(caseDocs.slice(0, 5));
    index.discard(caseDocs[1]!.id);
    expect(() => saveIndex(index)).toThrow(/removed documents/);
  });
});

describe('a ranking', () => {
  it('refuses to read a ranking\'s matches after the next search', () => {
    const engine = new SearchEngine(tools);
    const first = engine.rank(engine.read('list the destinations of a source')).ranked;
    expect(Object.keys(first[0]!.match).length).toBeGreaterThan(0);
    const second = engine.rank(engine.read('delete a warehouse')).ranked;
    expect(() => first[1]!.match).toThrow(/before the next search/);
    expect(second[1]!.match).toBeDefined();
  });
});
