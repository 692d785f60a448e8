import MiniSearch from 'minisearch';

/**
 * A MiniSearch index, saved at build time and searched without MiniSearch's search(). MiniSearch
 * builds it (tokens, terms, field lengths, its prefix tree's order); a search here scores exactly as
 * MiniSearch's search() with an OR of the terms, prefix matching and field boosts: the same BM25+
 * sums in the same order, so the same scores to the last bit, and the hits in the order MiniSearch
 * finds them (test/search/term-index.test.ts holds the two equal). What it saves is the cost of
 * asking: MiniSearch makes an object, a terms list and a match record for every document a term
 * touches and sorts them all, where search needs the best few; here the sums go into typed arrays
 * reused from search to search, and records are made for the documents the caller asks about.
 */
export interface SavedIndex {
  documentCount: number;
  /** Field names by MiniSearch's field id. */
  fields: string[];
  averageFieldLength: number[];
  /** Document ids by MiniSearch's short id (0, 1, 2...). */
  ids: unknown[];
  /** Each document's field lengths, document after document (one number per field). */
  fieldLength: Packed;
  /** Stored field -> its distinct values and, per document, which of them it has (-1: none). */
  stored: Record<string, { values: unknown[]; of: number[] }>;
  /** Every term, in the order MiniSearch's prefix tree lists them: prefix matches are summed in this order. */
  terms: string[];
  /** Term numbers in code-unit order of the terms, for lookup by bisection. */
  sorted: Packed;
  /** Per term: how many fields; per field (ids ascending): field id, how many documents, then each document and its frequency, documents ascending. */
  postings: Packed;
}

/** Whole numbers as little-endian bytes in base64: one string to parse, decoded outside the JavaScript heap. */
export interface Packed {
  bytes: 2 | 4;
  base64: string;
}

/** How a search scores: MiniSearch's `boost`, `weights.prefix`, `prefix` (by term length) and `bm25` options. */
export interface Scoring {
  processTerm: (term: string) => string | string[] | null;
  boost?: Readonly<Record<string, number>>;
  prefixWeight: number;
  prefixMinLength: number;
  bm25: { readonly k: number; readonly b: number; readonly d: number };
}

type Numbers = Uint16Array | Uint32Array;
const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

export function saveIndex(index: MiniSearch): SavedIndex {
  const js = index.toJSON();
  // Short ids are 0..n-1 only for an index built in one go; the lists below rely on it.
  if (js.dirtCount || js.nextId !== js.documentCount) throw new Error('saveIndex: the index has removed documents; build it afresh');
  const fields = Object.keys(js.fieldIds).sort((a, b) => js.fieldIds[a]! - js.fieldIds[b]!);
  const ids: unknown[] = [];
  const fieldLength: number[] = [];
  const storeFields = [...new Set(Object.values(js.storedFields).flatMap((v) => Object.keys(v as object)))];
  const stored = Object.fromEntries(storeFields.map((f) => [f, { values: [] as unknown[], of: [] as number[] }]));
  for (let id = 0; id < js.documentCount; id++) {
    ids.push(js.documentIds[id]);
    for (let f = 0; f < fields.length; f++) fieldLength.push(js.fieldLength[id]?.[f] ?? 0);
    const values = (js.storedFields[id] ?? {}) as Record<string, unknown>;
    for (const f of storeFields) {
      const column = stored[f]!;
      // MiniSearch leaves a field out of a document that has none; so does the saved form.
      let k = f in values ? column.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(values[f])) : -1;
      if (k < 0 && f in values) k = column.values.push(values[f]) - 1;
      column.of.push(k);
    }
  }
  // The prefix tree as MiniSearch.loadJS builds it (the terms inserted in the index's own order), and its order.
  const Tree = (index as unknown as { _index: object })._index.constructor as new () => Map<string, number>;
  const tree = new Tree();
  for (const [term] of js.index) tree.set(term, 0);
  const terms = [...tree.keys()];
  const data = new Map(js.index);
  const postings: number[] = [];
  for (const term of terms) {
    const byField = Object.entries(data.get(term)!).sort(([a], [b]) => Number(a) - Number(b));
    postings.push(byField.length);
    for (const [fieldId, docs] of byField) {
      const list = Object.entries(docs).map(([d, n]) => [Number(d), n] as const);
      postings.push(Number(fieldId), list.length);
      for (const [doc, freq] of list.sort(([a], [b]) => a - b)) postings.push(doc, freq);
    }
  }
  const sorted = terms.map((_, k) => k).sort((a, b) => (terms[a]! < terms[b]! ? -1 : 1));
  return { documentCount: js.documentCount, fields, averageFieldLength: js.averageFieldLength, ids, fieldLength: pack(fieldLength), stored, terms, sorted: pack(sorted), postings: pack(postings) };
}

export class TermIndex {
  readonly documentCount: number;
  private readonly fields: string[];
  private readonly lengths: Numbers;
  private readonly terms: string[];
  private readonly sorted: Numbers;
  private readonly postings: Numbers;
  /** Where each term's postings start. */
  private readonly starts: Uint32Array;
  private readonly boosts: number[];
  // What a search leaves, reused by the next one: the documents hit, in the order MiniSearch meets them, and their scores.
  private readonly hits: Uint32Array;
  private hitCount = 0;
  /** The last search's scores, by document (stale for those it did not hit). */
  readonly score: Float64Array;
  /** One query term's sums, and the documents it touched. */
  private readonly part: Float64Array;
  private readonly touched: Uint32Array;
  private readonly quality: Uint16Array;
  /** Per document, the search / query term that last touched it. */
  private readonly searchMark: Uint32Array;
  private readonly termMark: Uint32Array;
  private searchStamp = 0;
  /** How many searches so far: what a search left is valid until the next. */
  searches = 0;
  private termStamp = 0;
  /** Every (document, term, field) a search matched, in MiniSearch's order: the match records are read from it. */
  private trail = new Uint32Array(3 * 1024);
  private trailLength = 0;

  constructor(
    private readonly saved: SavedIndex,
    private readonly scoring: Scoring,
  ) {
    const n = (this.documentCount = saved.documentCount);
    this.fields = saved.fields;
    this.terms = saved.terms;
    this.lengths = unpack(saved.fieldLength);
    this.sorted = unpack(saved.sorted);
    const p = (this.postings = unpack(saved.postings));
    this.starts = new Uint32Array(this.terms.length);
    for (let t = 0, at = 0; t < this.terms.length; t++) {
      this.starts[t] = at;
      const count = p[at++]!;
      for (let f = 0; f < count; f++) at += 2 + 2 * p[at + 1]!;
    }
    // MiniSearch: `boost[field] || 1`.
    this.boosts = this.fields.map((f) => scoring.boost?.[f] || 1);
    this.hits = new Uint32Array(n);
    this.touched = new Uint32Array(n);
    this.score = new Float64Array(n);
    this.part = new Float64Array(n);
    this.quality = new Uint16Array(n);
    this.searchMark = new Uint32Array(n);
    this.termMark = new Uint32Array(n);
  }

  id(doc: number): unknown {
    return this.saved.ids[doc];
  }

  stored(doc: number, field: string): unknown {
    const column = this.saved.stored[field];
    const k = column?.of[doc] ?? -1;
    return k >= 0 ? column!.values[k] : undefined;
  }

  /**
   * Scores a query as MiniSearch's search() would; returns the documents hit, in the order MiniSearch
   * meets them (its sort keeps that order among equal scores). Valid until the next search.
   */
  search(query: string): { hits: Uint32Array; score: Float64Array } {
    const { processTerm, prefixMinLength } = this.scoring;
    this.searches++;
    if (++this.searchStamp === 0xffffffff) this.reset();
    this.hitCount = 0;
    this.trailLength = 0;
    const seen = new Set<string>();
    for (const token of tokenize(query)) {
      const processed = processTerm(token);
      for (const term of Array.isArray(processed) ? processed : [processed]) {
        if (!term) continue;
        // MiniSearch counts each distinct query term once in a document's quality, but sums it each time.
        const first = !seen.has(term);
        seen.add(term);
        this.searchTerm(term, term.length >= prefixMinLength, first);
      }
    }
    const { hits, score, quality } = this;
    for (let i = 0; i < this.hitCount; i++) score[hits[i]!] *= quality[hits[i]!] || 1;
    return { hits: hits.subarray(0, this.hitCount), score };

  }

  /** What a document matched in the last search: term -> fields, in MiniSearch's order (its `match`). */
  match(doc: number): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const trail = this.trail;
    for (let i = 0; i < this.trailLength; i += 3) {
      if (trail[i] !== doc) continue;
      const term = this.terms[trail[i + 1]!]!;
      const field = this.fields[trail[i + 2]!]!;
      const list = out[term];
      if (!list) out[term] = [field];
      else if (!list.includes(field)) list.push(field);
    }
    return out;
  }

  /** One query term: the term itself, then the longer terms it begins (MiniSearch's executeQuerySpec), summed apart, then added. */
  private searchTerm(term: string, prefix: boolean, first: boolean): void {
    if (++this.termStamp === 0xffffffff) this.reset();
    let touched = 0;
    const exact = this.find(term);
    if (exact >= 0) touched = this.termResults(exact, 1, touched);
    if (prefix) {
      const { prefixWeight } = this.scoring;
      const longer: number[] = [];
      for (let k = this.lowerBound(term); k < this.sorted.length && this.terms[this.sorted[k]!]!.startsWith(term); k++) {
        if (this.sorted[k] !== exact) longer.push(this.sorted[k]!);
      }
      for (const t of longer.sort((a, b) => a - b)) {
        const len = this.terms[t]!.length;
        touched = this.termResults(t, (prefixWeight * len) / (len + 0.3 * (len - term.length)), touched);
      }
    }
    const { hits, score, part, quality, searchMark } = this;
    for (let i = 0; i < touched; i++) {
      const d = this.touched[i]!;
      if (searchMark[d] !== this.searchStamp) {
        searchMark[d] = this.searchStamp;
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
  private termResults(t: number, weight: number, touched: number): number {
    const p = this.postings;
    const fieldCount = this.fields.length;
    const total = this.documentCount;
    const { k, b, d } = this.scoring.bm25;
    let at = this.starts[t]!;
    for (let n = p[at++]!; n > 0; n--) {
      const field = p[at]!;
      const matching = p[at + 1]!;
      at += 2;
      const boost = this.boosts[field]!;
      const avg = this.saved.averageFieldLength[field]!;
      const idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
      for (let end = at + 2 * matching; at < end; at += 2) {
        const doc = p[at]!;
        const freq = p[at + 1]!;
        const raw = idf * (d + (freq * (k + 1)) / (freq + k * (1 - b + (b * this.lengths[doc * fieldCount + field]!) / avg)));
        const w = weight * boost * raw;
        if (this.termMark[doc] !== this.termStamp) {
          this.termMark[doc] = this.termStamp;
          this.touched[touched++] = doc;
          this.part[doc] = w;
        } else this.part[doc] += w;
        this.record(doc, t, field);
      }
    }
    return touched;
  }

  private record(doc: number, term: number, field: number): void {
    if (this.trailLength + 3 > this.trail.length) {
      const bigger = new Uint32Array(this.trail.length * 2);
      bigger.set(this.trail);
      this.trail = bigger;
    }
    this.trail[this.trailLength++] = doc;
    this.trail[this.trailLength++] = term;
    this.trail[this.trailLength++] = field;
  }

  /** The first position in `sorted` whose term is not below `term`. */
  private lowerBound(term: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.terms[this.sorted[mid]!]! < term) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private find(term: string): number {
    const k = this.lowerBound(term);
    return k < this.sorted.length && this.terms[this.sorted[k]!] === term ? this.sorted[k]! : -1;
  }

  private reset(): void {
    this.searchMark.fill(0);
    this.termMark.fill(0);
    this.searchStamp = this.termStamp = 1;
  }
}

function pack(xs: readonly number[]): Packed {
  const bytes = xs.every((x) => x < 0x10000) ? 2 : 4;
  const buf = Buffer.alloc(xs.length * bytes);
  xs.forEach((x, i) => (bytes === 2 ? buf.writeUInt16LE(x, 2 * i) : buf.writeUInt32LE(x, 4 * i)));
  return { bytes, base64: buf.toString('base64') };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function unpack({ bytes, base64 }: Packed): Numbers {
  const buf = Buffer.from(base64, 'base64');
  const n = buf.length / bytes;
  const out = bytes === 2 ? new Uint16Array(n) : new Uint32Array(n);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf);
  else for (let i = 0; i < n; i++) out[i] = bytes === 2 ? buf.readUInt16LE(2 * i) : buf.readUInt32LE(4 * i);
  return out;
}
