import MiniSearch from 'minisearch';
import { numbers as pack, type Numbers } from '../util/numbers-json.js';

/**
 * A MiniSearch index, saved at build time and scored exactly as its search() would (terms OR-ed, prefix
 * matching, field boosts: the same BM25+ sums in the same order; test/search/term-index.test.ts holds
 * them equal to the bit). Why not search(): it makes an object and a match record for every document a
 * term touches and sorts them all, where ranking needs the best few; here sums go into reused arrays.
 */
export interface SavedIndex {
  documentCount: number;
  /** Field names by MiniSearch's field id. */
  fields: string[];
  averageFieldLength: number[];
  /** Each document's field lengths, document after document (one number per field). */
  fieldLength: Numbers;
  /** Every term, in the order MiniSearch's prefix tree lists them: prefix matches are summed in this order. */
  terms: string[];
  /** Term numbers in code-unit order of the terms, for lookup by bisection. */
  sorted: Numbers;
  /** Per term: how many fields; per field (ids ascending): field id, how many documents, then each document and its frequency, documents ascending. */
  postings: Numbers;
  /** Where each term's postings start. */
  starts: Numbers;
}

/** How a search scores: MiniSearch's `processTerm`, `boost`, `weights.prefix`, `prefix` (from a term length) and `bm25`. */
export interface Scoring {
  processTerm: (term: string) => string | string[] | null;
  boost?: Readonly<Record<string, number>>;
  prefixWeight: number;
  prefixMinLength: number;
  bm25: { readonly k: number; readonly b: number; readonly d: number };
}

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** The index of documents numbered 0, 1, 2... in the order given (MiniSearch's short ids). */
export function saveIndex(index: MiniSearch): SavedIndex {
  const js = index.toJSON();
  if (js.dirtCount || js.nextId !== js.documentCount) throw new Error('saveIndex: the index has removed documents; build it afresh');
  const fields = Object.keys(js.fieldIds).sort((a, b) => js.fieldIds[a]! - js.fieldIds[b]!);
  const fieldLength: number[] = [];
  for (let id = 0; id < js.documentCount; id++) for (let f = 0; f < fields.length; f++) fieldLength.push(js.fieldLength[id]?.[f] ?? 0);
  // The prefix tree as MiniSearch.loadJS builds it (the terms inserted in the index's own order), and its order.
  const Tree = (index as unknown as { _index: object })._index.constructor as new () => Map<string, number>;
  const tree = new Tree();
  for (const [term] of js.index) tree.set(term, 0);
  const terms = [...tree.keys()];
  const data = new Map(js.index);
  const postings: number[] = [];
  const starts: number[] = [];
  for (const term of terms) {
    starts.push(postings.length);
    const byField = Object.entries(data.get(term)!).sort(([a], [b]) => Number(a) - Number(b));
    postings.push(byField.length);
    for (const [field, docs] of byField) {
      postings.push(Number(field), Object.keys(docs).length);
      for (const [doc, freq] of Object.entries(docs).sort(([a], [b]) => Number(a) - Number(b))) postings.push(Number(doc), freq);
    }
  }
  const sorted = terms.map((_, k) => k).sort((a, b) => (terms[a]! < terms[b]! ? -1 : 1));
  return { documentCount: js.documentCount, fields, averageFieldLength: js.averageFieldLength, fieldLength: pack(fieldLength), terms, sorted: pack(sorted), postings: pack(postings), starts: pack(starts) };
}

export class TermIndex {
  /** How many searches so far: what a search leaves is valid until the next. */
  searches = 0;
  /** The last search's scores, by document (stale for those it did not hit). */
  readonly score: Float64Array;
  private readonly boosts: number[];
  /** The documents the last search hit, in the order MiniSearch meets them. */
  private readonly hits: Uint32Array;
  private hitCount = 0;
  /** One query term's sums, and the documents it touched. */
  private readonly part: Float64Array;
  private readonly touched: Uint32Array;
  private readonly quality: Uint16Array;
  /** Per document, the search and the query term that last touched it. */
  private readonly searchMark: Float64Array;
  private readonly termMark: Float64Array;
  private termCount = 0;
  /** The terms the last search matched, in MiniSearch's order: match records are read from their postings when asked for. */
  private matched: number[] = [];

  constructor(
    private readonly saved: SavedIndex,
    private readonly scoring: Scoring,
  ) {
    const n = saved.documentCount;
    // MiniSearch: `boost[field] || 1`.
    this.boosts = saved.fields.map((f) => scoring.boost?.[f] || 1);
    [this.score, this.part, this.searchMark, this.termMark] = [0, 0, 0, 0].map(() => new Float64Array(n));
    [this.hits, this.touched] = [new Uint32Array(n), new Uint32Array(n)];
    this.quality = new Uint16Array(n);
  }

  /** Scores a query as MiniSearch's search() would: the documents hit, in the order it meets them (its sort keeps that order among equal scores). */
  search(query: string): { hits: Uint32Array; score: Float64Array } {
    this.searches++;
    this.hitCount = 0;
    this.matched = [];
    const seen = new Set<string>();
    for (const token of tokenize(query)) {
      const processed = this.scoring.processTerm(token);
      for (const term of Array.isArray(processed) ? processed : [processed]) {
        if (!term) continue;
        // A query term twice is summed twice, but counts once in a document's quality (MiniSearch's `terms`).
        this.searchTerm(term, !seen.has(term));
        seen.add(term);
      }
    }
    const { hits, score, quality } = this;
    for (let i = 0; i < this.hitCount; i++) score[hits[i]!] *= quality[hits[i]!] || 1;
    return { hits: hits.subarray(0, this.hitCount), score };
  }

  /** What a document matched in the last search: term -> fields, in MiniSearch's order (its `match`). */
  match(doc: number): Record<string, string[]> {
    const { postings: p, starts, terms, fields } = this.saved;
    const out: Record<string, string[]> = {};
    for (const t of this.matched) {
      let at = starts[t]!;
      for (let n = p[at++]!; n > 0; n--) {
        const field = fields[p[at++]!]!;
        const count = p[at++]!;
        // Documents ascend within a field: bisect, not scan (a common term lists thousands of requests).
        const lo = firstNotBelow(count, (k) => p[at + 2 * k]! < doc);
        if (lo < count && p[at + 2 * lo] === doc && !(out[terms[t]!] ??= []).includes(field)) out[terms[t]!]!.push(field);
        at += 2 * count;
      }
    }
    return out;
  }

  /** One query term: the term itself, then the longer terms it begins (MiniSearch's executeQuerySpec), summed apart, then added. */
  private searchTerm(term: string, first: boolean): void {
    const stamp = ++this.termCount;
    let touched = 0;
    const exact = this.find(term);
    if (exact >= 0) touched = this.termResults(exact, 1, touched, stamp);
    if (term.length >= this.scoring.prefixMinLength) {
      const { sorted, terms } = this.saved;
      const longer: number[] = [];
      for (let k = this.lowerBound(term); k < sorted.length && terms[sorted[k]!]!.startsWith(term); k++) {
        if (sorted[k] !== exact) longer.push(sorted[k]!);
      }
      for (const t of longer.sort((a, b) => a - b)) {
        const len = terms[t]!.length;
        touched = this.termResults(t, (this.scoring.prefixWeight * len) / (len + 0.3 * (len - term.length)), touched, stamp);
      }
    }
    const { hits, score, part, quality, searchMark } = this;
    for (let i = 0; i < touched; i++) {
      const d = this.touched[i]!;
      if (searchMark[d] !== this.searches) {
        searchMark[d] = this.searches;
        hits[this.hitCount++] = d;
        score[d] = part[d]!;
        quality[d] = first ? 1 : 0;
      } else {
        score[d] = score[d]! + part[d]!;
        if (first) quality[d]!++;
      }
    }
  }

  /** One matched term's documents, field by field, into the query term's sums (MiniSearch's termResults and calcBM25Score). */
  private termResults(t: number, weight: number, touched: number, stamp: number): number {
    const { postings: p, fieldLength: lengths, documentCount: total, averageFieldLength, fields } = this.saved;
    const { k, b, d } = this.scoring.bm25;
    this.matched.push(t);
    let at = this.saved.starts[t]!;
    for (let n = p[at++]!; n > 0; n--) {
      const field = p[at++]!;
      const matching = p[at++]!;
      const idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
      for (const end = at + 2 * matching; at < end; at += 2) {
        const doc = p[at]!;
        const freq = p[at + 1]!;
        const raw = idf * (d + (freq * (k + 1)) / (freq + k * (1 - b + (b * lengths[doc * fields.length + field]!) / averageFieldLength[field]!)));
        const w = weight * this.boosts[field]! * raw;
        if (this.termMark[doc] !== stamp) {
          this.termMark[doc] = stamp;
          this.touched[touched++] = doc;
          this.part[doc] = w;
        } else this.part[doc] += w;
      }
    }
    return touched;
  }

  /** The first position in `sorted` whose term is not below `term`. */
  private lowerBound(term: string): number {
    const { sorted, terms } = this.saved;
    return firstNotBelow(sorted.length, (k) => terms[sorted[k]!]! < term);
  }

  private find(term: string): number {
    const t = this.saved.sorted[this.lowerBound(term)]!;
    return this.saved.terms[t] === term ? t : -1;
  }
}

/** The first of 0..n-1 not below what is sought, by bisection (`below` holds for a prefix of them). */
function firstNotBelow(n: number, below: (k: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
