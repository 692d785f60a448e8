import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import MiniSearch, { type SearchResult } from 'minisearch';
import type { ToolDefinition } from '../registry/types.js';
import { findCatalogNames, type CatalogKind } from './catalog.js';
import { englishCounts } from './english.js';
import { committedDigest, labelledRequests, type LabelledRequest } from './examples.js';
import { FIELDS, toolDocument, type Field, type ToolDocument } from './documents.js';
import { NEGATIONS, OPERATION_WORDS, QUESTION_WORDS } from './operations.js';
import { loadIndex, saveIndex, type SavedIndex } from './saved-index.js';
import { byUse, TypoFixer } from './typos.js';
import { WEIGHTS } from './weights.js';
import { isStop, stem, words } from './words.js';

/**
 * The ranking: MiniSearch (BM25 over named fields, stemming, prefix matching) on each tool's words and
 * facts, plus the closest of its use cases and the closest labelled request it serves (examples.ts).
 * Before it, the request is read once: values dropped, misspelt words corrected, catalog names read as
 * the kind of thing they are. After it, tools taking the fields the caller already holds move up.
 * Every number is in weights.ts.
 */

export interface Ranked {
  slug: string;
  score: number;
  /** Query term -> the fields of this tool it matched. */
  match: Record<string, Field[]>;
}

/** How close the request comes to a short request some tool serves (a use case or a labelled request), and to a labelled one no tool serves. */
export interface Nearest {
  served: number;
  unserved: number;
}

export interface ReadRequest {
  /** Words of the request (values dropped, cut to the limit), typos corrected. */
  words: string[];
  /** Misspelt word -> the word it was read as. */
  corrected: Record<string, string>;
  /** Terms the request implies without saying them: the kind of each catalog name ("Klaviyo": destination). */
  implied: string[];
  /** Catalog names found, with their kind. */
  catalog: { name: string; kind: CatalogKind }[];
  /** Operations the request asks for (facts' verbs), with how surely; empty when it names none. */
  operations: Map<string, number>;
  /** Content words (not stop words) and how many of them some tool or the catalog knows. */
  content: number;
  known: number;
}

export class SearchEngine {
  private readonly index: MiniSearch;
  /**
   * Short requests, one a document: each tool's use cases and the labelled requests (those some tool
   * serves and those none serves). A request close to one of them says more than the same words
   * spread over a tool's whole text.
   */
  private readonly requests: MiniSearch;
  /** Whether some labelled request is one no tool serves: without any, closeness says nothing about answering. */
  private readonly unserved: boolean;
  private readonly typos: TypoFixer;
  private readonly params = new Map<string, Set<string>>();
  private readonly access = new Map<string, ToolDefinition['access']>();
  private readonly operation = new Map<string, string>();
  /** The requests index's answer to rank()'s query, for nearest() to reuse (see there). */
  private lastRequests?: { query: string; results: SearchResult[] };

  /**
   * Loads the index `npm run build` wrote (dist/search/index.json) when it was made from these very
   * tools, else builds it: a scoped registry or a changed words file costs a build, never a wrong index.
   * `labelled`: the labelled requests to learn from; the committed ones by default, which loading the
   * index never parses (they are known by their file's digest).
   */
  constructor(tools: readonly ToolDefinition[], language: readonly ToolDefinition[] = tools, labelled?: readonly LabelledRequest[]) {
    const docs = tools.map(toolDocument);
    const built = prebuilt(fingerprint(docs, labelled));
    if (built) {
      this.unserved = built.unserved;
      this.index = loadIndex(built.index, INDEX_OPTIONS);
      this.requests = loadIndex(built.requests, REQUEST_OPTIONS);
      this.typos = new TypoFixer(new Map(built.vocabulary), englishCounts);
    } else {
      this.index = new MiniSearch(INDEX_OPTIONS);
      this.index.addAll(docs);
      const requests = labelled ?? labelledRequests();
      this.unserved = hasUnserved(requests);
      this.requests = new MiniSearch(REQUEST_OPTIONS);
      this.requests.addAll(requestDocs(tools, requests));
      // The words of every tool, in scope or not, say whether a request is Segment's.
      this.typos = new TypoFixer(vocabulary(language === tools ? docs : language.map(toolDocument)), englishCounts);
    }
    for (const t of tools) {
      this.params.set(t.slug, new Set(t.paramNames.map(fieldKey)));
      this.access.set(t.slug, t.access);
      this.operation.set(t.slug, t.facts.operation);
    }
  }

  /** What `npm run build` saves: the index and the vocabulary, keyed by the tools they were made from. */
  static serialize(tools: readonly ToolDefinition[], labelled?: readonly LabelledRequest[]): string {
    const docs = tools.map(toolDocument);
    const index = new MiniSearch(INDEX_OPTIONS);
    index.addAll(docs);
    const requests = new MiniSearch(REQUEST_OPTIONS);
    requests.addAll(requestDocs(tools, labelled ?? labelledRequests()));
    const saved: Prebuilt & { fingerprint: string } = {
      fingerprint: fingerprint(docs, labelled),
      index: saveIndex(index),
      requests: saveIndex(requests),
      unserved: hasUnserved(labelled ?? labelledRequests()),
      vocabulary: [...vocabulary(docs)].sort(byUse),
    };
    return JSON.stringify(saved);
  }

  /** The request as the ranking reads it. */
  read(request: string): ReadRequest {
    // A quoted name ('Growth', "checkout-legacy") picks an instance; it says nothing about the tool.
    const unquoted = request.slice(0, WEIGHTS.limits.chars).replace(QUOTED, ' ');
    const raw = words(unquoted).slice(0, WEIGHTS.limits.words);
    const corrected: Record<string, string> = {};
    const catalog = findCatalogNames(raw);
    const inName = new Set(catalog.flatMap((c) => Array.from({ length: c.length }, (_, k) => c.at + k)));
    let content = 0;
    let known = 0;
    const out = raw.map((w, i) => {
      if (inName.has(i) || isStop(w)) return w;
      content++;
      const fixed = this.typos.fix(w);
      if (fixed) corrected[w] = fixed;
      // A corrected word is half known: a foreign word one letter from a tool's word is often just foreign.
      if (fixed) known += WEIGHTS.typo.knownCredit;
      else if (this.typos.knows(w)) known++;
      return fixed ?? w;
    });
    // A catalog name counts as a known word, whatever its length.
    content += catalog.length;
    known += catalog.length;
    const kinds = catalog.map((c) => c.kind).filter((k) => !out.includes(k) && !out.includes(`${k}s`));
    // "disable it but don't delete it": a verb the request rules out is not asked for.
    const negated = WEIGHTS.negation ? negatedVerbs(out) : new Set<number>();
    const asked = out.filter((_, i) => !negated.has(i));
    return {
      words: [...out.filter((_, i) => !inName.has(i) && !negated.has(i)), ...new Set(kinds)],
      implied: [...new Set(kinds.flatMap((k) => [k, stem(k)]))],
      operations: requestedOperations(asked),
      corrected,
      catalog: catalog.map(({ name, kind }) => ({ name, kind })),
      content,
      known,
    };
  }

  /**
   * The scores of the closest short request some tool serves and of the closest labelled one none
   * serves; both 0 when there are no labelled requests no tool serves (nothing to compare with).
   */
  nearest(read: ReadRequest): Nearest {
    const out = { served: 0, unserved: 0 };
    const query = read.words.join(' ');
    // rank() asked the requests index this very question a moment ago: its answer is reused, once.
    const memo = this.lastRequests;
    this.lastRequests = undefined;
    if (!query.trim() || !this.unserved) return out;
    for (const r of memo?.query === query ? memo.results : this.requests.search(query, REQUEST_SEARCH)) {
      const key = (r.tools as string[]).length ? 'served' : 'unserved';
      out[key] = Math.max(out[key], r.score);
    }
    return out;
  }

  /** Every tool some word of the request matches, best first. `knownFields`: names of values the caller holds. */
  rank(read: ReadRequest, knownFields: string[] = [], inScope?: (slug: string) => boolean): Ranked[] {
    const query = read.words.join(' ');
    if (!query.trim()) return [];
    const known = knownFields.slice(0, WEIGHTS.limits.knownFields).map(fieldKey).filter(Boolean);
    const results = this.index.search(query, inScope ? { ...FIELD_SEARCH, filter: (r: SearchResult) => inScope(r.id as string) } : FIELD_SEARCH);
    const knownBoost = (id: string) => (known.length ? 1 + WEIGHTS.knownField * known.filter((k) => this.params.get(id)!.has(k)).length : 1);
    const ops = read.operations;
    // The operation asked for fits or not; with none asked, reading is the safe guess.
    const fit = (slug: string) => (ops.size ? (ops.get(this.operation.get(slug)!) ?? WEIGHTS.otherOperation) : WEIGHTS.verbless[this.access.get(slug)!]);
    // Added to what its fields scored: each tool's closest use case, and the closest labelled request
    // it serves (people asked for this tool in words like these). Results come best first.
    const useCase = new Map<string, SearchResult>();
    const labelled = new Map<string, SearchResult>();
    const requests = this.requests.search(query, REQUEST_SEARCH);
    this.lastRequests = { query, results: requests };
    for (const r of requests) {
      const closest = r.useCase ? useCase : labelled;
      for (const tool of r.tools as string[]) if ((!inScope || inScope(tool)) && !closest.has(tool)) closest.set(tool, r);
    }
    // MiniSearch makes each result afresh for this search, so a tool's match is added to in place.
    const merged = new Map<string, { score: number; match: Record<string, Field[]> }>();
    for (const r of results) merged.set(r.id as string, { score: r.score, match: r.match as Record<string, Field[]> });
    const add = (closest: Map<string, SearchResult>, weight: number, field: Field) => {
      for (const [tool, r] of closest) {
        let m = merged.get(tool);
        if (!m) merged.set(tool, (m = { score: 0, match: {} }));
        m.score += weight * r.score;
        for (const term in r.match) m.match[term] = withField(m.match[term], field);
      }
    };
    add(useCase, WEIGHTS.useCase, 'useCase');
    add(labelled, WEIGHTS.labelled, 'labelled');
    const out: Ranked[] = [];
    for (const [slug, m] of merged) out.push({ slug, score: m.score * fit(slug) * knownBoost(slug), match: m.match });
    return out.sort((a, b) => b.score - a.score || a.slug.localeCompare(b.slug));
  }
}

/** A quoted span: the quote opens after a space or bracket and closes before one (so "app's" is no quote). */
const QUOTED = /(^|[\s(])['"‘“][^'"‘’“”]{1,80}['"’”](?=$|[\s.,;:!?)])/g;

const INDEX_OPTIONS = { fields: [...FIELDS], idField: 'id', processTerm };
const REQUEST_OPTIONS = { fields: ['text'], idField: 'id', storeFields: ['tools', 'useCase'], processTerm };
/** Short texts: prefixes as in the tool index, no fuzzy matching (typos are corrected before). */
const REQUEST_SEARCH = { prefix: (t: string) => t.length >= WEIGHTS.prefixMinLength, weights: { prefix: WEIGHTS.prefix, fuzzy: 0 }, combineWith: 'OR' } as const;
/** The tool index's search, made once (every search reads it, none changes it): the same, with the fields' boosts. */
const FIELD_SEARCH = { ...REQUEST_SEARCH, boost: WEIGHTS.fields };

/** A tool's fields for a term, each once (two query terms can list a field twice), then `field`. */
function withField(fields: Field[] | undefined, field: Field): Field[] {
  const out: Field[] = [];
  for (const f of fields ?? []) if (!out.includes(f)) out.push(f);
  if (!out.includes(field)) out.push(field);
  return out;
}

interface RequestDoc {
  id: number;
  text: string;
  /** The tools of this registry that serve it; none for a labelled request no tool serves. */
  tools: string[];
  /** One of a tool's own use cases, not a labelled request. */
  useCase?: true;
}

/** Use cases, then labelled requests; a labelled request only tools outside this registry serve is left out. */
function requestDocs(tools: readonly ToolDefinition[], labelled: readonly LabelledRequest[]): RequestDoc[] {
  const out: RequestDoc[] = [];
  for (const t of tools) for (const text of t.useCases) out.push({ id: out.length, text, tools: [t.slug], useCase: true });
  const here = new Set(tools.map((t) => t.slug));
  for (const e of labelled) {
    const served = e.tools.filter((t) => here.has(t));
    if (served.length || !e.tools.length) out.push({ id: out.length, text: e.request, tools: served });
  }
  return out;
}
export const PREBUILT = new URL('./index.json', import.meta.url);

/**
 * The words tools are named and asked for by (not their prose: descriptions and parameters say
 * "picture" or "host" in passing), with how many tools use each: what typos are corrected to, and
 * what makes a request's words Segment's.
 */
const VOCABULARY_FIELDS = ['slug', 'object', 'scope', 'title', 'tags', 'useCases'] as const;
function vocabulary(docs: ToolDocument[]): Map<string, number> {
  const known = new Map<string, number>();
  for (const doc of docs) for (const w of new Set(VOCABULARY_FIELDS.flatMap((f) => words(doc[f])))) known.set(w, (known.get(w) ?? 0) + 1);
  return known;
}

/** `labelled`: undefined for the committed ones, known by their file's digest. */
function fingerprint(docs: ToolDocument[], labelled: readonly LabelledRequest[] | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([INDEX_VERSION, docs, labelled ?? committedDigest()]))
    .digest('hex');
}

/** Whether some labelled request is one no tool serves (nearest() has nothing to say otherwise). */
const hasUnserved = (labelled: readonly LabelledRequest[]) => labelled.some((e) => e.tools.length === 0);

/** Bump when processTerm, the fields or the saved form change: an index built by other rules must not be loaded. */
const INDEX_VERSION = 5;

interface Prebuilt {
  index: SavedIndex;
  requests: SavedIndex;
  /** Whether some labelled request is one no tool serves. */
  unserved: boolean;
  vocabulary: [string, number][];
}

function prebuilt(print: string): Prebuilt | undefined {
  try {
    const saved = JSON.parse(readFileSync(PREBUILT, 'utf8')) as Prebuilt & { fingerprint: string };
    return saved.fingerprint === print ? saved : undefined;
  } catch {
    return undefined;
  }
}

const operationOf = new Map<string, string[]>();
for (const [op, ws] of Object.entries(OPERATION_WORDS)) for (const w of ws.split(' ')) operationOf.set(w, [...(operationOf.get(w) ?? []), op]);
/** Operation words stemmed: "deleting" and "delete" are one verb. */
const operationStems = new Set([...operationOf.keys()].map(stem));

/** Positions of operation words ruled out by a negation at most two words before ("don't delete", "without actually sending"). */
function negatedVerbs(ws: string[]): Set<number> {
  const out = new Set<number>();
  ws.forEach((w, i) => {
    if (!NEGATIONS.has(w)) return;
    for (let k = i + 1; k <= i + 2 && k < ws.length; k++) {
      if (operationOf.has(ws[k]!) || operationStems.has(stem(ws[k]!))) {
        out.add(k);
        break;
      }
    }
  });
  return out;
}

/** The operations a request's words ask for; a question asks to read, whatever else it says. */
function requestedOperations(ws: string[]): Map<string, number> {
  const question = ws.length > 0 && QUESTION_WORDS.has(ws[0]!);
  const out = new Map<string, number>();
  for (const w of ws) for (const op of operationOf.get(w) ?? []) out.set(op, question ? WEIGHTS.questionOperation : 1);
  if (question) for (const op of ['list', 'get']) out.set(op, 1);
  return out;
}

/**
 * MiniSearch's term step: stop words out, Porter stems in, for documents and queries alike. The
 * objectExact field keeps words as written; a query term is looked up both ways.
 */
function processTerm(term: string, field?: string): string | string[] | null {
  if (field === undefined) {
    // A request's word: the same few thousand words come again and again, so each is read once.
    let hit = queryTerms.get(term);
    if (hit === undefined) {
      const ws = words(term).filter((w) => !isStop(w));
      const out = [...new Set(ws.flatMap((w) => [stem(w), w]))];
      hit = out.length === 0 ? null : out;
      if (queryTerms.size >= QUERY_TERMS_CAP) queryTerms.clear();
      queryTerms.set(term, hit);
    }
    return hit;
  }
  const ws = words(term).filter((w) => !isStop(w));
  if (field === 'objectExact') return ws.length ? ws : null;
  const out = ws.map(stem);
  return out.length === 0 ? null : out;
}
/** A request's words as the indexes read them; capped, as a long-running server sees endless new words. */
const queryTerms = new Map<string, string[] | null>();
const QUERY_TERMS_CAP = 20_000;

/** Field names compared loosely: "source_id", "sourceId" and "SourceID" are one field. */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export { stem };
