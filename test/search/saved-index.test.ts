import { readFileSync } from 'node:fs';
import MiniSearch, { type Options, type SearchOptions } from 'minisearch';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { FIELDS, toolDocument } from '../../src/search/documents.js';
import { loadIndex, saveIndex } from '../../src/search/saved-index.js';

type Doc = Record<string, unknown>;
const tools = loadRegistry().tools;
const docs: Doc[] = tools.map((t) => ({ ...toolDocument(t) }));
// Short texts as the engine's second index holds them: numeric ids, a list of tools, a flag only some have.
const caseDocs: Doc[] = tools.flatMap((t) => t.useCases.map((text) => ({ text, tools: [t.slug], useCase: true })));
for (const t of tools.slice(0, 40)) caseDocs.push({ text: `${t.title} please`, tools: [t.slug, tools[0]!.slug] }, { text: `not ${t.title} at all`, tools: [] });
caseDocs.forEach((d, k) => (d.id = k));
const CASE_OPTIONS: Options<Doc> = { fields: ['text'], idField: 'id', storeFields: ['tools', 'useCase'] };
const requests: string[] = (JSON.parse(readFileSync(new URL('./eval-set.json', import.meta.url), 'utf8')) as { cases: { q: string }[] }).cases
  .slice(0, 60)
  .map((c) => c.q);

/** The same index three ways: built, through MiniSearch's own JSON, and through the saved form. */
function threeWays(options: Options<Doc>, documents: Doc[]) {
  const built = new MiniSearch(options);
  built.addAll(documents);
  const viaJson = MiniSearch.loadJSON(JSON.stringify(built), options);
  const saved = loadIndex(JSON.parse(JSON.stringify(saveIndex(built))) as ReturnType<typeof saveIndex>, options);
  return { built, viaJson, saved };
}

const SEARCHES: SearchOptions[] = [
  { combineWith: 'OR', prefix: (t) => t.length >= 5, weights: { prefix: 0.3, fuzzy: 0 } },
  { combineWith: 'OR', fuzzy: 0.2, boost: { title: 2, slug: 1.5 } },
  { combineWith: 'AND', prefix: true },
  { combineWith: 'OR', filter: (r) => String(r.id).includes('LIST') },
];

describe('the saved search index', () => {
  it('ranks exactly as MiniSearch.loadJS does: same ids, scores, matches and stored fields', () => {
    for (const [options, documents] of [
      [{ fields: [...FIELDS], idField: 'id' }, docs],
      [CASE_OPTIONS, caseDocs],
    ] as [Options<Doc>, Doc[]][]) {
      const { viaJson, saved } = threeWays(options, documents);
      for (const q of requests) for (const o of SEARCHES) expect(saved.search(q, o), q).toEqual(viaJson.search(q, o));
    }
  });

  it('keeps every document, term and stored field: its own JSON is MiniSearch JSON of the same index', () => {
    const { viaJson, saved } = threeWays(CASE_OPTIONS, caseDocs);
    // A search first (some entries made), then the whole index read out, in order.
    saved.search('list the sources of a workspace', { prefix: true });
    expect(JSON.stringify(saved)).toBe(JSON.stringify(viaJson));
    expect(saved.documentCount).toBe(caseDocs.length);
    const last = caseDocs.at(-1)!;
    expect(saved.has(caseDocs[7]!.id)).toBe(true);
    expect(saved.getStoredFields(caseDocs[7]!.id)).toStrictEqual({ tools: caseDocs[7]!.tools, useCase: true });
    expect(saved.getStoredFields(last.id)).toStrictEqual({ tools: [] });
  });

  it('still takes changes after loading', () => {
    const { viaJson, saved } = threeWays(CASE_OPTIONS, caseDocs.slice(0, 300));
    for (const index of [viaJson, saved]) {
      index.search('source destination');
      index.add({ id: 10_000, tools: ['NEW'], text: 'route every source to a brand new destination' });
      index.discard(caseDocs[3]!.id);
    }
    for (const q of ['brand new destination', 'source', String(caseDocs[3]!.text)]) expect(saved.search(q, { prefix: true }), q).toEqual(viaJson.search(q, { prefix: true }));
  });

  it('refuses an index with removed documents (its short ids have gaps)', () => {
    const index = new MiniSearch<Doc>({ fields: ['text'], idField: 'id' });
    index.addAll(caseDocs.slice(0, 5));
    index.discard(caseDocs[1]!.id);
    expect(() => saveIndex(index)).toThrow(/removed documents/);
  });
});
