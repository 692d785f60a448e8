import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import MiniSearch, { type Options } from 'minisearch';
import { compareSlugs, fieldKey } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';
import { boundedMemo } from '../util/bounded-memo.js';
import { flatLists, fromBytes, toBytes, type Lists } from '../util/numbers-json.js';
import { findCatalogNames, type CatalogKind } from './catalog.js';
import { committedDigest, labelledRequests, type LabelledRequest } from './examples.js';
import { FIELDS, toolDocument, type Field, type ToolDocument } from './documents.js';
import { ASKING_WORDS, OPERATION_WORDS, QUESTION_WORDS, SIBLING_OPERATIONS } from './operations.js';
import { saveIndex, TermIndex, type SavedIndex, type Scoring } from './term-index.js';
import { byUse, TypoFixer } from './typos.js';
import { WEIGHTS } from './weights.js';
import { isStop, stem, words } from './words.js';

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
  /** The kind of each catalog name, which the request implies without saying it ("Klaviyo": destination). */
  implied: string[];
  catalog: { name: string; kind: CatalogKind }[];
  /** The object the request asks for ("which sources feed wh_1": source), when it says. */
  asked?: string;
  /** The word before it when the two are one thing ("user groups": user), which then names no scope. */
  askedModifier?: string;
  /** Operations the request asks for (facts' verbs), with how surely; empty when it names none. */
  operations: Map<string, number>;
  /** Content words (not stop words) and how many of them some tool or the catalog knows. */
  content: number;
  known: number;
}

/**
 * The ranking: MiniSearch's BM25 on each tool's words and facts, plus its closest use case and labelled
 * request (a second index of short requests: close to one says more than the same words spread over a
 * tool's text); then the operation asked for and the caller's known fields. Numbers: weights.ts.
 */
export class SearchEngine {
  private readonly index: TermIndex;
  private readonly requests: TermIndex;
  /** Per short request: the tools (by number, as in `tools`) it is a request for; use cases come first. */
  private readonly served: Lists;
  private readonly useCases: number;
  /** Whether some labelled request is one no tool serves: without any, closeness says nothing about answering. */
  private readonly unserved: boolean;
  private readonly typos: TypoFixer;
  private readonly tools: { slug: string; params: Set<string>; finds: Set<string>; access: ToolDefinition['access']; operation: string; head: string; scope: string }[];
  /** The last word of each tool's object, stemmed: what a request can ask for ("sources", "groups"). */
  private readonly heads: Set<string>;
  /** The last two words of each object of two or more, stemmed ("user group", "destination filter"). */
  private readonly compounds: Set<string>;
  /** The words ids are named by ("destination", "group"): "destination=ds_51" names one, it sets nothing. */
  private readonly idNames: Set<string>;
  // Per tool, reused by every search: the tools its fields matched, its closest use case and labelled request (-1: none).
  private readonly inFields: Uint8Array;
  private readonly bestUseCase: Int32Array;
  private readonly bestLabelled: Int32Array;
  /** Per tool, the score of its second closest labelled request: two people asking alike say more than one. */
  private readonly secondLabelled: Float64Array;

  /**
   * Loads the index `npm run build` saved if made from these tools and labelled requests, else builds it.
   * `language`: every tool, in scope or not: their words say whether a request is Segment's. `loaded`:
   * the documents and the saved index, already read (SearchEngine.saved).
   */
  constructor(tools: readonly ToolDefinition[], language: readonly ToolDefinition[] = tools, labelled?: readonly LabelledRequest[], loaded?: { docs: ToolDocument[]; saved: Prebuilt }) {
    const docs = loaded?.docs ?? tools.map((t) => toolDocument(t));
    const { index, requests, vocabulary: known } =
      loaded?.saved ?? prebuilt(fingerprint(docs, labelled)) ?? build(tools, docs, labelled, language === tools ? docs : language.map((t) => toolDocument(t)));
    this.index = new TermIndex(index, FIELD_SCORING);
    this.requests = new TermIndex(requests.index, REQUEST_SCORING);
    ({ served: this.served, useCases: this.useCases } = requests);
    this.unserved = this.served.starts.some((s, d) => s === this.served.starts[d + 1]);
    this.typos = new TypoFixer(known);
    // What a tool finds and does not take: a caller holding one of those ids has no need to find it.
    const finds = (t: ToolDefinition) => new Set(t.facts.yields.map(fieldKey).filter((y) => !t.paramNames.some((p) => fieldKey(p) === y)));
    const head = (t: ToolDefinition) => stem(t.facts.object.split(/\s+/).at(-1) ?? '');
    this.tools = tools.map((t) => ({ slug: t.slug, params: new Set(t.paramNames.map(fieldKey)), finds: finds(t), access: t.access, operation: t.facts.operation, head: head(t), scope: stem(t.facts.scope?.split(/\s+/).at(-1) ?? '') }));
    this.heads = new Set(this.tools.map((t) => t.head).filter(Boolean));
    this.compounds = new Set(tools.map((t) => t.facts.object.split(/\s+/).slice(-2).map(stem).join(' ')).filter((c) => c.includes(' ')));
    this.idNames = idNames(language);
    this.inFields = new Uint8Array(tools.length);
    this.bestUseCase = new Int32Array(tools.length);
    this.bestLabelled = new Int32Array(tools.length);
    this.secondLabelled = new Float64Array(tools.length);
  }

  /** The engine on the index `npm run build` saved for these tools and labelled requests; undefined when there is none (nothing is built). */
  static saved(tools: readonly ToolDefinition[], language: readonly ToolDefinition[] = tools, labelled?: readonly LabelledRequest[]): SearchEngine | undefined {
    const docs = tools.map((t) => toolDocument(t));
    const saved = prebuilt(fingerprint(docs, labelled));
    return saved && new SearchEngine(tools, language, labelled, { docs, saved });
  }

  /** What `npm run build` saves: the indexes and the vocabulary, keyed by the tools they were made from. */
  static serialize(tools: readonly ToolDefinition[], labelled?: readonly LabelledRequest[]): Buffer {
    const docs = tools.map((t) => toolDocument(t));
    return toBytes({ fingerprint: fingerprint(docs, labelled), ...build(tools, docs, labelled, docs) });
  }

  /** The request as the ranking reads it. */
  read(request: string): ReadRequest {
    // A quoted name ('Growth', "checkout-legacy") picks an instance; it says nothing about the tool.
    const unquoted = request.slice(0, WEIGHTS.limits.chars).replace(QUOTED, ' ');
    // A paging argument (limit=20) is no word of the task: "limit" would meet requests about a filter's limit.
    const raw = words(unquoted.replace(PAGING_PAIR, ' ')).slice(0, WEIGHTS.limits.words);
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
      // A corrected word counts as known: the labelled requests (decide.ts) tell a foreign one apart better.
      if (fixed || this.typos.knows(w)) known++;
      return fixed ?? w;
    });
    // A catalog name counts as a known word, whatever its length.
    content += catalog.length;
    known += catalog.length;
    // An email address stands for a person: "which groups is sam@corp.com in" asks about a user.
    const named = [...catalog.map((c) => c.kind), ...(EMAIL.test(unquoted) ? ['user'] : [])];
    const kinds = named.filter((k) => !out.includes(k) && !out.includes(`${k}s`));
    const { asked, modifier } = this.askedFor(out);
    return {
      ...(asked ? { asked } : {}),
      ...(modifier ? { askedModifier: modifier } : {}),
      words: [...out.filter((_, i) => !inName.has(i)), ...new Set(kinds)],
      implied: [...new Set(kinds.flatMap((k) => [k, stem(k)]))],
      operations: requestedOperations(out, asksQuestion(unquoted, out), unquoted, this.idNames),
      corrected,
      catalog: catalog.map(({ name, kind }) => ({ name, kind })),
      content,
      known,
    };
  }

  /**
   * The thing a request asks for: the first object some tool has, within three words after "which",
   * "what", "list"..., or two after the first operation word ("add a rule to the plan": rules, not the plan).
   */
  private askedFor(ws: string[]): { asked?: string; modifier?: string } {
    const i = ws.findIndex((w) => ASKING_WORDS.has(w) || operationOf.has(w));
    if (i < 0) return {};
    const span = ASKING_WORDS.has(ws[i]!) ? 3 : 2;
    // One word past the window: the tail of a compound that starts inside it.
    const stems = ws.slice(i + 1, i + 2 + span).map(stem);
    const k = stems.slice(0, span).findIndex((s) => this.heads.has(s));
    if (k < 0) return {};
    // "list user groups" asks for groups: a compound's last word names the thing.
    return this.compounds.has(`${stems[k]} ${stems[k + 1]}`) ? { asked: stems[k + 1], modifier: stems[k] } : { asked: stems[k] };
  }

  /**
   * Fills each tool's closest use case and labelled request (of equal scores the first found, as
   * MiniSearch's sort keeps them); returns how close the request comes to short requests some tool
   * serves and to labelled ones none serves: on each side, the closest's score and a share of the second's.
   */
  private closest(query: string): Nearest {
    const { hits, score } = this.requests.search(query);
    this.bestUseCase.fill(-1);
    this.bestLabelled.fill(-1);
    this.secondLabelled.fill(0);
    // The two closest of each side: [closest served, second served, closest unserved, second unserved].
    const near = [0, 0, 0, 0];
    const { starts, items } = this.served;
    for (let i = 0; i < hits.length; i++) {
      const doc = hits[i]!;
      const from = starts[doc]!;
      const to = starts[doc + 1]!;
      const side = to > from ? 0 : 2;
      near[side + 1] = Math.max(near[side + 1]!, Math.min(near[side]!, score[doc]!));
      near[side] = Math.max(near[side]!, score[doc]!);
      const labelled = doc >= this.useCases;
      const best = labelled ? this.bestLabelled : this.bestUseCase;
      for (let k = from; k < to; k++) {
        const t = items[k]!;
        const was = best[t]! < 0 ? -1 : score[best[t]!]!;
        if (score[doc]! > was) best[t] = doc;
        if (labelled) this.secondLabelled[t] = Math.max(this.secondLabelled[t]!, Math.min(was, score[doc]!));
      }
    }
    const second = WEIGHTS.answer.nearest.second;
    return { served: near[0]! + second * near[1]!, unserved: near[2]! + second * near[3]! };
  }

  /** Every tool some word of the request matches, best first, and `nearest` (both 0 with no unserved request to compare with). */
  rank(read: ReadRequest, knownFields: string[] = []): { ranked: Ranked[]; nearest: Nearest } {
    const query = read.words.join(' ');
    if (!query.trim()) return { ranked: [], nearest: { served: 0, unserved: 0 } };
    const known = knownFields.slice(0, WEIGHTS.limits.knownFields).map(fieldKey).filter(Boolean);
    // Tools taking the fields the caller holds move up; those finding an id the caller holds move down
    // ("what is in model mdl_4" reads that model, it does not list models).
    const knownBoost = (t: number) => {
      if (!known.length) return 1;
      const { params, finds } = this.tools[t]!;
      return (1 + WEIGHTS.knownField * known.filter((k) => params.has(k)).length) * (known.some((k) => finds.has(k)) ? WEIGHTS.findsKnown : 1);
    };
    const ops = read.operations;
    // The operation asked for fits or not; with none asked, reading is the safe guess.
    // A sibling of an operation asked for ("delete" asked, the tool removes) fits nearly as well.
    const sibling = (op: string) => {
      const asked = ops.get(SIBLING_OPERATIONS[op] ?? '');
      return asked === undefined ? undefined : Math.max(WEIGHTS.otherOperation, asked * WEIGHTS.siblingOperation);
    };
    const fit = (t: number) => {
      const op = this.tools[t]!.operation;
      return ops.size ? (ops.get(op) ?? sibling(op) ?? WEIGHTS.otherOperation) : WEIGHTS.verbless[this.tools[t]!.access];
    };
    // The thing asked for is the tool's object, not its scope: "which sources feed the warehouse".
    // Not a tool scoped by the compound's first word: "list user groups" names no user.
    const asks = (t: number) => (read.asked && this.tools[t]!.head === read.asked && this.tools[t]!.scope !== read.askedModifier ? 1 + WEIGHTS.askedObject : 1);
    const fields = this.index.search(query);
    const inFields = this.inFields.fill(0);
    for (let i = 0; i < fields.hits.length; i++) inFields[fields.hits[i]!] = 1;
    const near = this.closest(query);
    const requests = this.requests.score;
    const out: Ranked[] = [];
    const searches = this.index.searches + this.requests.searches;
    for (let t = 0; t < this.tools.length; t++) {
      const useCase = this.bestUseCase[t]!;
      const labelled = this.bestLabelled[t]!;
      if (!inFields[t] && useCase < 0 && labelled < 0) continue;
      let score = inFields[t] ? fields.score[t]! : 0;
      if (useCase >= 0) score += WEIGHTS.useCase * requests[useCase]!;
      if (labelled >= 0) score += WEIGHTS.labelled * requests[labelled]! + WEIGHTS.secondLabelled * this.secondLabelled[t]!;
      out.push(new RankedTool(this.tools[t]!.slug, score * fit(t) * knownBoost(t) * asks(t), t, this, searches));
    }
    // Compared, not subtracted: the same order, without a number made per comparison.
    out.sort((a, b) => (a.score > b.score ? -1 : a.score < b.score ? 1 : compareSlugs(a.slug, b.slug)));
    return { ranked: out, nearest: this.unserved ? near : { served: 0, unserved: 0 } };
  }

  /** What tool `t` matched in its fields, closest use case and labelled request: read from what the last search left. */
  matched(t: number, searches: number): Record<string, Field[]> {
    if (this.index.searches + this.requests.searches !== searches) throw new Error("SearchEngine: a ranking's matches are read before the next search");
    const [useCase, labelled] = [this.bestUseCase[t]!, this.bestLabelled[t]!];
    const match = (this.inFields[t] ? this.index.match(t) : {}) as Record<string, Field[]>;
    const add = (doc: number, field: Field) => {
      for (const term in this.requests.match(doc)) if (!(match[term] ??= []).includes(field)) match[term].push(field);
    };
    if (useCase >= 0) add(useCase, 'useCase');
    if (labelled >= 0) add(labelled, 'labelled');
    return match;
  }
}

/**
 * A ranked tool; what it matched is worked out when read (decide.ts and explain read a few tools' of a
 * ranking). A class, not an object with a getter closing over the tool: a search makes one per tool
 * matched, and the closures doubled the tail of search latency (p99 1.2-1.4 ms -> 3.3-3.8 ms).
 */
class RankedTool implements Ranked {
  private matched?: Record<string, Field[]>;

  constructor(
    readonly slug: string,
    readonly score: number,
    private readonly tool: number,
    private readonly engine: SearchEngine,
    private readonly searches: number,
  ) {}

  get match(): Record<string, Field[]> {
    return (this.matched ??= this.engine.matched(this.tool, this.searches));
  }
}

/** An email address; it starts only where a word does, so a long run of letters is read once, not once per letter. */
const EMAIL = /(?<![\w.+-])[\w.+-]+@[\w-]+\.\w/;

/** A quoted span: the quote opens after a space or bracket and closes before one (so "app's" is no quote). */
const QUOTED = /(^|[\s(])['"‘“][^'"‘’“”]{1,80}['"’”](?=$|[\s.,;:!?)])/g;

const INDEX_OPTIONS = { fields: [...FIELDS], idField: 'id', processTerm };
const REQUEST_OPTIONS = { fields: ['text'], idField: 'id', processTerm };
/** Short texts: prefixes as in the tool index, no fuzzy matching (typos are corrected before). */
const REQUEST_SCORING: Scoring = { processTerm, prefixWeight: WEIGHTS.prefix, prefixMinLength: WEIGHTS.prefixMinLength, bm25: WEIGHTS.bm25 };
/** The tool index's: the same, with the fields' boosts. */
const FIELD_SCORING: Scoring = { ...REQUEST_SCORING, boost: WEIGHTS.fields };

/** MiniSearch builds the index: tokens, terms, lengths; it is searched in its saved form (term-index.ts). */
function indexOf<T>(options: Options<T>, docs: readonly T[]): SavedIndex {
  const index = new MiniSearch(options);
  index.addAll(docs);
  return saveIndex(index);
}

/** The tools' documents with the labelled requests each serves as its `asked` field. */
function withAsked(tools: readonly ToolDefinition[], docs: readonly ToolDocument[], labelled: readonly LabelledRequest[]): ToolDocument[] {
  const asked = new Map<string, string[]>();
  for (const e of labelled) for (const t of e.tools) (asked.get(t) ?? asked.set(t, []).get(t)!).push(e.request);
  return docs.map((d, k) => ({ ...d, asked: (asked.get(tools[k]!.slug) ?? []).join(' ; ') }));
}

/** The short requests' index: use cases, then labelled requests (not those only other registries' tools serve); `served`: each one's tools. */
function requestIndex(tools: readonly ToolDefinition[], labelled: readonly LabelledRequest[]) {
  const texts = tools.flatMap((t) => t.useCases);
  const served = tools.flatMap((t, k) => t.useCases.map(() => [k]));
  const useCases = texts.length;
  const number = new Map(tools.map((t, k) => [t.slug, k]));
  for (const e of labelled) {
    const here = e.tools.filter((t) => number.has(t)).map((t) => number.get(t)!);
    if (here.length || !e.tools.length) {
      texts.push(e.request);
      served.push(here);
    }
  }
  return { index: indexOf(REQUEST_OPTIONS, texts.map((text, id) => ({ id, text }))), served: flatLists(served), useCases };
}
export const PREBUILT = new URL('./index.bin', import.meta.url);

/** The words tools are named and asked by (not prose, which says "picture" in passing), with how many tools use each. */
const VOCABULARY_FIELDS = ['slug', 'object', 'scope', 'title', 'tags', 'useCases'] as const;
function vocabulary(docs: ToolDocument[]): [string, number][] {
  const known = new Map<string, number>();
  for (const doc of docs) for (const w of new Set(VOCABULARY_FIELDS.flatMap((f) => words(doc[f])))) known.set(w, (known.get(w) ?? 0) + 1);
  return [...known].sort(byUse);
}

/** The indexes and the vocabulary, made from the tools (what `npm run build` saves). */
function build(tools: readonly ToolDefinition[], docs: ToolDocument[], labelled: readonly LabelledRequest[] = labelledRequests(), language: ToolDocument[]) {
  return { index: indexOf(INDEX_OPTIONS, withAsked(tools, docs, labelled)), requests: requestIndex(tools, labelled), vocabulary: vocabulary(language) };
}

/** `labelled`: undefined for the committed ones, known by their file's digest. */
function fingerprint(docs: ToolDocument[], labelled: readonly LabelledRequest[] | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([INDEX_VERSION, docs, labelled ?? committedDigest()]))
    .digest('hex');
}

/** Bump when processTerm, the fields or the saved form change: an index built by other rules must not be loaded. */
const INDEX_VERSION = 10;

type Prebuilt = ReturnType<typeof build>;

function prebuilt(print: string): Prebuilt | undefined {
  try {
    const saved = fromBytes<Prebuilt & { fingerprint: string }>(readFileSync(PREBUILT));
    return saved.fingerprint === print ? saved : undefined;
  } catch {
    return undefined;
  }
}

const operationOf = new Map<string, string[]>();
for (const [op, ws] of Object.entries(OPERATION_WORDS)) for (const w of ws.split(' ')) operationOf.set(w, [...(operationOf.get(w) ?? []), op]);
/**
 * Whether the request asks a question: it opens with a question word, or a clause of it ending in "?"
 * does ("the scale app src_1, is it enabled?", "before I delete cred_1, what still uses it?").
 */
const asksQuestion = (text: string, ws: string[]): boolean =>
  QUESTION_WORDS.has(ws[0] ?? '') || [...text.matchAll(QUESTION_CLAUSE)].some((m) => QUESTION_WORDS.has(m[1]!.toLowerCase()));

/** The first word of each clause that ends in a question mark; bounded: the text is cut before. */
const QUESTION_CLAUSE = /(?:^|[.!?;:,]\s)\s*([A-Za-z]+)(?![A-Za-z])[^.!?;:,]{0,300}\?/g;

/** key=value in a request: the key, and the value up to a space or a separator. */
const PAIR = /(?:^|[\s,;(])([A-Za-z_][\w.]{0,40})\s*=\s*([^\s=,;()]{1,80})/g;
/** The keys list tools page by: a key ending in one sets nothing. */
const PAGING_KEYS = 'limit|cursor|page|count';
/** A paging argument written as key=value: limit=20, cursor=abc, page=2 (and the spellings other APIs use). */
const PAGING_PAIR = new RegExp(`(?<![\\w.])(?:${PAGING_KEYS}|offset|per_page|page_size|pageSize)\\s*=\\s*[^\\s=,;()]{0,80}`, 'gi');

/** Keys that set nothing: ids and paging. */
const ID_OR_PAGING_KEY = new RegExp(`(?:id|Id|ID|${PAGING_KEYS})$`);
/** A value shaped like an id, quotes and closing punctuation aside: "ds_51", "UG_5", one of Segment's own (20 to 40 letters and digits). */
const ID_VALUE = /^['"‘“]?(?:[A-Za-z]{1,8}_[\w-]{0,40}\d[\w-]{0,40}|[A-Za-z0-9]{20,40})['"’”.:!?\]]*$/;

/**
 * Whether the request sets a field ("enabled=false", "name=Growth", "region=eu_west_1"): a key=value
 * whose key is not an id or paging key, nor a thing named by its id ("destination=ds_51" is about that
 * destination). `things`: the words tools' ids are named by (destination, group, usergroup...).
 */
function setsAField(text: string, things: ReadonlySet<string>): boolean {
  for (const [, key, value] of text.matchAll(PAIR)) {
    if (ID_OR_PAGING_KEY.test(key!)) continue;
    if (things.has(key!.toLowerCase()) && ID_VALUE.test(value!)) continue;
    return true;
  }
  return false;
}

/** The words ids are named by, lower case: userGroupId gives "usergroup" and "group". */
function idNames(tools: readonly ToolDefinition[]): Set<string> {
  const out = new Set<string>();
  for (const t of tools) {
    for (const name of [...t.paramNames, ...t.facts.needs, ...t.facts.yields]) {
      if (!/^[a-z]\w*Id$/.test(name)) continue;
      const base = name.slice(0, -2);
      out.add(base.toLowerCase());
      out.add((base.match(/[A-Z]?[a-z0-9]+$/)?.[0] ?? base).toLowerCase());
    }
  }
  return out;
}

/** The operations a request's words ask for; a question asks to read, whatever else it says. */
function requestedOperations(ws: string[], question: boolean, text: string, things: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  // The first operation named is the one asked; later ones are often context ("delete dst_4, disabled for months").
  let first = true;
  for (const w of ws) {
    const ops = operationOf.get(w);
    if (!ops) continue;
    for (const op of ops) if (!out.has(op)) out.set(op, (question ? WEIGHTS.questionOperation : 1) * (first ? 1 : WEIGHTS.laterOperation));
    first = false;
  }
  if (question) for (const op of ['list', 'get']) out.set(op, 1);
  // With no operation word, a field set to a value asks to update ("transformation tfm_4 enabled=false").
  if (!out.size && setsAField(text, things)) out.set('update', 1);
  return out;
}

/** MiniSearch's term step: stop words out, Porter stems in; objectExact keeps words as written, a query term is looked up both ways. */
function processTerm(term: string, field?: string): string[] | null {
  if (field === undefined) return queryTerms(term);
  const ws = words(term).filter((w) => !isStop(w));
  const out = field === 'objectExact' ? ws : ws.map(stem);
  return out.length ? out : null;
}
/** A request's words come again and again, so each is read once. */
const queryTerms = boundedMemo(20_000, (term: string): string[] | null => {
  const out = [...new Set(words(term).filter((w) => !isStop(w)).flatMap((w) => [stem(w), w]))];
  return out.length ? out : null;
});
