import MiniSearch, { type Options } from 'minisearch';

/**
 * A MiniSearch index in a form that is cheap to load. MiniSearch's own JSON (toJSON / loadJS) holds
 * an object per term and field; loading parses all of them and turns each into Maps before the first
 * search, and a server's first answer waits for that (and for the garbage collector moving it all).
 * Here the postings are one flat list of numbers, and a term's postings become Maps only when a
 * search first reads that term; documents' lengths and stored fields likewise, per document. Loading
 * costs the terms (MiniSearch's prefix tree) and the document ids, whatever the postings' size.
 *
 * The loaded index is MiniSearch's own, with the same terms in the same order, so it ranks exactly
 * as MiniSearch.loadJS would (test/search/saved-index.test.ts compares both).
 */
export interface SavedIndex {
  documentCount: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
  /** Document ids by MiniSearch's short id (0, 1, 2...). */
  ids: string[];
  /** Each document's field lengths, document after document (fields.length numbers each). */
  fieldLength: number[];
  /** Stored field -> its value for each document. */
  stored: Record<string, unknown[]>;
  /** Terms in the index's own order. */
  terms: string[];
  /** Per term: how many fields; per field: field id, how many documents, then document id and frequency for each. */
  postings: number[];
}

/** The private state MiniSearch's loadJS fills; only these are replaced. */
interface Internals {
  _documentIds: Map<number, string>;
  _idToShortId: Map<string, number>;
  _fieldLength: Map<number, number[]>;
  _storedFields: Map<number, Record<string, unknown>>;
  _index: Map<string, Map<number, Map<number, number>>> & Iterable<[string, Map<number, Map<number, number>>]>;
  _nextId: number;
  _dirtCount: number;
}

export function saveIndex(index: MiniSearch): SavedIndex {
  const js = index.toJSON();
  const m = index as unknown as Internals;
  const fields = Object.keys(js.fieldIds).length;
  // Short ids are 0..n-1 only for an index built in one go; the flat lists rely on it.
  if (m._dirtCount || m._nextId !== js.documentCount) throw new Error('saveIndex: index has removed documents; build it afresh');
  const ids: string[] = [];
  const fieldLength: number[] = [];
  const storeFields = Object.keys(m._storedFields.get(0) ?? {});
  const stored: Record<string, unknown[]> = Object.fromEntries(storeFields.map((f) => [f, []]));
  for (let id = 0; id < js.documentCount; id++) {
    ids.push(m._documentIds.get(id)!);
    const lengths = m._fieldLength.get(id)!;
    for (let f = 0; f < fields; f++) fieldLength.push(lengths[f] ?? 0);
    const values = m._storedFields.get(id) ?? {};
    for (const f of storeFields) stored[f]!.push(values[f]);
  }
  const terms: string[] = [];
  const postings: number[] = [];
  for (const [term, byField] of m._index) {
    terms.push(term);
    postings.push(byField.size);
    for (const [fieldId, docs] of byField) {
      postings.push(fieldId, docs.size);
      for (const [doc, freq] of docs) postings.push(doc, freq);
    }
  }
  return { documentCount: js.documentCount, fieldIds: js.fieldIds, averageFieldLength: js.averageFieldLength, ids, fieldLength, stored, terms, postings };
}

export function loadIndex<T>(saved: SavedIndex, options: Options<T>): MiniSearch<T> {
  const { documentCount, fieldIds, averageFieldLength, ids, fieldLength, stored, terms, postings } = saved;
  const index = MiniSearch.loadJS<T>(
    { documentCount, nextId: documentCount, documentIds: {}, fieldIds, fieldLength: {}, averageFieldLength, storedFields: {}, dirtCount: 0, index: [], serializationVersion: 2 },
    options,
  );
  const m = index as unknown as Internals;
  const fields = averageFieldLength.length;
  const inRange = (id: number) => Number.isInteger(id) && id >= 0 && id < documentCount;
  const shortIds = () => ids.map((_, k) => k);
  m._documentIds = lazyMap((id) => (inRange(id) ? ids[id] : undefined), shortIds);
  m._fieldLength = lazyMap((id) => (inRange(id) ? fieldLength.slice(id * fields, (id + 1) * fields) : undefined), shortIds);
  const storeFields = Object.keys(stored);
  m._storedFields = lazyMap(
    (id) => (inRange(id) && storeFields.length ? Object.fromEntries(storeFields.map((f) => [f, stored[f]![id]])) : undefined),
    () => (storeFields.length ? shortIds() : []),
  );
  let inverse: Map<string, number> | undefined;
  m._idToShortId = lazyMap((id) => (inverse ??= new Map(ids.map((x, k) => [x, k]))).get(id), () => ids);
  for (let t = 0, at = 0; t < terms.length; t++) {
    const start = at;
    const count = postings[at++]!;
    for (let f = 0; f < count; f++) at += 2 + 2 * postings[at + 1]!;
    m._index.set(terms[t]!, new TermPostings(postings, start) as unknown as Map<number, Map<number, number>>);
  }
  return index;
}

/**
 * A Map whose entries are made when first read: `make(key)` makes one (undefined: no such key),
 * `keys()` lists them all, in order, for reads that need every entry (size, iteration) and before
 * any change. MiniSearch reads these maps through get and has while searching.
 */
abstract class LazyMap<K, V> {
  private made?: Map<K, V>;
  private complete = false;

  protected abstract make(key: K): V | undefined;
  protected abstract keyList(): readonly K[];

  get(key: K): V | undefined {
    const v = this.made?.get(key);
    if (v !== undefined || this.complete) return v;
    const made = this.make(key);
    if (made !== undefined) (this.made ??= new Map()).set(key, made);
    return made;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.all().size;
  }

  set(key: K, value: V): this {
    this.all().set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.all().delete(key);
  }

  clear(): void {
    this.complete = true;
    this.made = new Map();
  }

  forEach(fn: (value: V, key: K, map: Map<K, V>) => void): void {
    this.all().forEach(fn);
  }

  keys(): IterableIterator<K> {
    return this.all().keys();
  }

  values(): IterableIterator<V> {
    return this.all().values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.all().entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.all().entries();
  }

  /** Every entry, in the saved order (entries already made are kept: what was handed out stays the same object). */
  private all(): Map<K, V> {
    if (this.complete && this.made) return this.made;
    const before = this.made;
    const made = new Map<K, V>();
    for (const k of this.keyList()) {
      const v = before?.get(k) ?? this.make(k);
      if (v !== undefined) made.set(k, v);
    }
    this.complete = true;
    return (this.made = made);
  }
}

/** A LazyMap made of two functions. */
class FunctionMap<K, V> extends LazyMap<K, V> {
  constructor(
    protected readonly make: (key: K) => V | undefined,
    protected readonly keyList: () => readonly K[],
  ) {
    super();
  }
}

/** A LazyMap where MiniSearch expects a Map: it only calls the methods above. */
function lazyMap<K, V>(make: (key: K) => V | undefined, keys: () => readonly K[]): Map<K, V> {
  return new FunctionMap(make, keys) as unknown as Map<K, V>;
}

/** One term's postings, field id -> (document id -> frequency), read from the flat list when first asked. */
class TermPostings extends LazyMap<number, Map<number, number>> {
  constructor(
    private readonly postings: number[],
    private readonly start: number,
  ) {
    super();
  }

  protected make(fieldId: number): Map<number, number> | undefined {
    const p = this.postings;
    for (let f = 0, at = this.start + 1; f < p[this.start]!; f++, at += 2 + 2 * p[at + 1]!) {
      if (p[at] !== fieldId) continue;
      const docs = new Map<number, number>();
      for (let k = at + 2, end = at + 2 + 2 * p[at + 1]!; k < end; k += 2) docs.set(p[k]!, p[k + 1]!);
      return docs;
    }
    return undefined;
  }

  protected keyList(): number[] {
    const p = this.postings;
    const out: number[] = [];
    for (let f = 0, at = this.start + 1; f < p[this.start]!; f++, at += 2 + 2 * p[at + 1]!) out.push(p[at]!);
    return out;
  }
}
