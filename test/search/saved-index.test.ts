import { readFileSync } from 'node:fs';
import MiniSearch, { type Options, type SearchOptions } from 'minisearch';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { FIELDS, toolDocument } from '../../src/search/documents.js';
import { loadIndex, saveIndex } from '../../src/search/saved-index.js';

type Doc = Record<string, string>;
const tools = loadRegistry().tools;
const docs: Doc[] = tools.map((t) => ({ ...toolDocument(t) }));
const caseDocs: Doc[] = tools.flatMap((t) => t.useCases.map((text, k) => ({ id: `${t.slug}#${k}`, tool: t.slug, text })));
const requests: string[] = (JSON.parse(readFileSync(new URL('./eval-set.json', import.meta.url), 'utf8')) as { cases: { q: string }[] }).cases
  .slice(0, 150)
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
      [{ fields: ['text'], idField: 'id', storeFields: ['tool'] }, caseDocs],
    ] as [Options<Doc>, Doc[]][]) {
      const { viaJson, saved } = threeWays(options, documents);
      for (const q of requests) for (const o of SEARCHES) expect(saved.search(q, o), q).toEqual(viaJson.search(q, o));
    }
  });

  it('keeps every document, term and stored field: its own JSON is MiniSearch JSON of the same index', () => {
    const options: Options<Doc> = { fields: ['text'], idField: 'id', storeFields: ['tool'] };
    const { viaJson, saved } = threeWays(options, caseDocs);
    // A search first (some entries made), then the whole index read out, in order.
    saved.search('list the sources of a workspace', { prefix: true });
    expect(JSON.stringify(saved)).toBe(JSON.stringify(viaJson));
    expect(saved.documentCount).toBe(caseDocs.length);
    expect(saved.has(caseDocs[7]!.id!)).toBe(true);
    expect(saved.getStoredFields(caseDocs[7]!.id!)).toEqual({ tool: caseDocs[7]!.tool });
  });

  it('still takes changes after loading', () => {
    const options: Options<Doc> = { fields: ['text'], idField: 'id', storeFields: ['tool'] };
    const { viaJson, saved } = threeWays(options, caseDocs.slice(0, 300));
    for (const index of [viaJson, saved]) {
      index.search('source destination');
      index.add({ id: 'NEW#0', tool: 'NEW', text: 'route every source to a brand new destination' });
      index.discard(caseDocs[3]!.id!);
    }
    for (const q of ['brand new destination', 'source', caseDocs[3]!.text!]) expect(saved.search(q, { prefix: true }), q).toEqual(viaJson.search(q, { prefix: true }));
  });

  it('refuses an index with removed documents (its short ids have gaps)', () => {
    const index = new MiniSearch<Doc>({ fields: ['text'], idField: 'id' });
    index.addAll(caseDocs.slice(0, 5));
    index.discard(caseDocs[1]!.id!);
    expect(() => saveIndex(index)).toThrow(/removed documents/);
  });
});
