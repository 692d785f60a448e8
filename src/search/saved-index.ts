import MiniSearch, { type Options } from 'minisearch';

/**
 * A MiniSearch index in a form that is cheap to load. MiniSearch's own JSON (toJSON / loadJS) holds
 * an object per term and field; loading parses them all, turns each into Maps and inserts every term
 * into the prefix tree one by one, all before the first search, and a server's first answer waits
 * for it (and for the garbage collector moving it). Here the prefix tree is saved as it is and
 * rebuilt node by node; the postings are one list of numbers outside the JavaScript heap, read in
 * place while searching; documents' lengths and stored fields are made per document when first read.
 * Loading costs the tree and the document ids, whatever the postings' size.
 *
 * The loaded index is MiniSearch's own, with the same terms in the same order, so it ranks exactly as
 * MiniSearch.loadJS would; it still takes changes (test/search/saved-index.test.ts compares both).
 */
export interface SavedIndex {
  documentCount: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
  /** Document ids by MiniSearch's short id (0, 1, 2...). */
  ids: unknown[];
  /** Each document's field lengths, document after document (one number per field). */
  fieldLength: Packed;
  /** Stored field -> its distinct values and, per document, which of them it has (-1: none). */
  stored: Record<string, { values: unknown[]; of: number[] }>;
  /**
   * MiniSearch's prefix tree of terms, node by node: each node's entry count, then per entry 0 and
   * the term's number (a term ends here), or 1 + the index of the edge's label, then the child node.
   */
  tree: { labels: string[]; shape: Packed };
  /** How many terms. */
  terms: number;
  /** Per term: how many fields; per field: field id, how many documents, then each document's id and frequency, ids ascending. */
  postings: Packed;
}

/**
 * Whole numbers as little-endian bytes in base64: one string to parse, decoded outside the
 * JavaScript heap, so the garbage collector never copies them.
 */
export interface Packed {
  bytes: 2 | 4;
  base64: string;
}

type Numbers = Uint16Array | Uint32Array;
type TermData = Map<number, Map<number, number>>;
/** A node of MiniSearch's prefix tree (its SearchableMap): edge label -> child node; the empty label holds the term's data. */
type Tree = Map<string, Tree | TermData>;
const LEAF = '';

/** The private state of a MiniSearch index that loadJS fills; only these are replaced. */
interface Internals {
  _documentIds: Map<number, unknown>;
  _idToShortId: Map<unknown, number>;
  _fieldLength: Map<number, number[]>;
  _storedFields: Map<number, Record<string, unknown>>;
  _index: Map<string, TermData> & { _tree: Tree };
  _nextId: number;
  _dirtCount: number;
}

export function saveIndex(index: MiniSearch): SavedIndex {
  const js = index.toJSON();
  const m = index as unknown as Internals;
  const fields = Object.keys(js.fieldIds).length;
  // Short ids are 0..n-1 only for an index built in one go; the lists below rely on it.
  if (m._dirtCount || m._nextId !== js.documentCount) throw new Error('saveIndex: the index has removed documents; build it afresh');
  const ids: unknown[] = [];
  const fieldLength: number[] = [];
  const storeFields = [...new Set([...m._storedFields.values()].flatMap((v) => Object.keys(v)))];
  const stored = Object.fromEntries(storeFields.map((f) => [f, { values: [] as unknown[], of: [] as number[] }]));
  for (let id = 0; id < js.documentCount; id++) {
    ids.push(m._documentIds.get(id)!);
    const lengths = m._fieldLength.get(id)!;
    for (let f = 0; f < fields; f++) fieldLength.push(lengths[f] ?? 0);
    const values = m._storedFields.get(id) ?? {};
    for (const f of storeFields) {
      const column = stored[f]!;
      // MiniSearch leaves a field out of a document that has none; so does the saved form.
      let k = f in values ? column.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(values[f])) : -1;
      if (k < 0 && f in values) k = column.values.push(values[f]) - 1;
      column.of.push(k);
    }
  }
  // The tree as MiniSearch.loadJS builds it: the terms inserted in the index's own order.
  const Tree = m._index.constructor as new () => Internals['_index'];
  const ordered = new Tree();
  const postings: number[] = [];
  let terms = 0;
  for (const [term, byField] of m._index) {
    ordered.set(term, terms++ as unknown as TermData);
    postings.push(byField.size);
    for (const [fieldId, docs] of byField) {
      postings.push(fieldId, docs.size);
      let last = -1;
      for (const [doc, freq] of docs) {
        if (doc <= last) throw new Error('saveIndex: postings out of document order');
        postings.push((last = doc), freq);
      }
    }
  }
  const labels: string[] = [];
  const shape: number[] = [];
  const walk = (node: Tree) => {
    shape.push(node.size);
    for (const [label, child] of node) {
      if (label === LEAF) shape.push(0, child as unknown as number);
      else {
        shape.push(labels.push(label));
        walk(child as Tree);
      }
    }
  };
  walk(ordered._tree);
  return {
    documentCount: js.documentCount,
    fieldIds: js.fieldIds,
    averageFieldLength: js.averageFieldLength,
    ids,
    fieldLength: pack(fieldLength),
    stored,
    tree: { labels, shape: pack(shape) },
    terms,
    postings: pack(postings),
  };
}

export function loadIndex<T>(saved: SavedIndex, options: Options<T>): MiniSearch<T> {
  const { documentCount, fieldIds, averageFieldLength, ids, stored, terms } = saved;
  const index = MiniSearch.loadJS<T>(
    { documentCount, nextId: documentCount, documentIds: {}, fieldIds, fieldLength: {}, averageFieldLength, storedFields: {}, dirtCount: 0, index: [], serializationVersion: 2 },
    options,
  );
  const m = index as unknown as Internals;
  const fields = averageFieldLength.length;
  const lengths = unpack(saved.fieldLength);
  m._documentIds = asMap(new ByShortId(documentCount, (id) => ids[id], false));
  m._fieldLength = asMap(
    new ByShortId(documentCount, (id) => {
      const row: number[] = [];
      for (let f = 0; f < fields; f++) row.push(lengths[id * fields + f]!);
      return row;
    }),
  );
  const storeFields = Object.keys(stored);
  m._storedFields = asMap(
    new ByShortId(storeFields.length ? documentCount : 0, (id) => {
      const out: Record<string, unknown> = {};
      for (const f of storeFields) if (stored[f]!.of[id]! >= 0) out[f] = stored[f]!.values[stored[f]!.of[id]!];
      return out;
    }),
  );
  let inverse: Map<unknown, number> | undefined;
  m._idToShortId = asMap(new FunctionMap((id: unknown) => (inverse ??= new Map(ids.map((x, k) => [x, k]))).get(id), () => ids));

  const postings = unpack(saved.postings);
  const data: TermData[] = [];
  for (let t = 0, at = 0; t < terms; t++) {
    data.push(asMap(new TermPostings(postings, at)));
    const count = postings[at++]!;
    for (let f = 0; f < count; f++) at += 2 + 2 * postings[at + 1]!;
  }
  // The prefix tree as saved, node by node: no term is looked up or compared on the way.
  const { labels } = saved.tree;
  const shape = unpack(saved.tree.shape);
  let at = 0;
  const node = (): Tree => {
    const out: Tree = new Map();
    for (let n = shape[at++]!; n > 0; n--) {
      const label = shape[at++]!;
      if (label === 0) out.set(LEAF, data[shape[at++]!]!);
      else out.set(labels[label - 1]!, node());
    }
    return out;
  };
  m._index._tree = node();
  return index;
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

/**
 * A Map whose entries are made when first read: `make(key)` makes one (undefined: no such key) and
 * `keyList()` lists every key, in order, for the reads that need them all (size, iteration) and
 * before any change. `keep`: whether a made entry is kept (false when making one costs nothing).
 * MiniSearch reads these maps through get and has while searching.
 */
abstract class LazyMap<K, V> {
  protected made?: Map<K, V>;
  protected complete = false;

  constructor(private readonly keep = true) {}

  protected abstract make(key: K): V | undefined;
  protected abstract keyList(): readonly K[];

  get(key: K): V | undefined {
    if (this.complete) return this.made!.get(key);
    const v = this.made?.get(key);
    if (v !== undefined) return v;
    const made = this.make(key);
    if (made !== undefined && this.keep) (this.made ??= new Map()).set(key, made);
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
  protected all(): Map<K, V> {
    if (this.complete) return this.made!;
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

/** A LazyMap of two functions. */
class FunctionMap<K, V> extends LazyMap<K, V> {
  constructor(
    protected readonly make: (key: K) => V | undefined,
    protected readonly keyList: () => readonly K[],
    keep = true,
  ) {
    super(keep);
  }
}

/**
 * Per document, by MiniSearch's short id (0..count-1): `row(id)` makes its entry, kept in an array
 * (`keep`: false when making it costs nothing, as for an id).
 */
class ByShortId<V> extends LazyMap<number, V> {
  private readonly rows: (V | undefined)[];

  constructor(
    private readonly count: number,
    private readonly row: (id: number) => V,
    private readonly keepRows = true,
  ) {
    super(false);
    this.rows = keepRows ? new Array<V | undefined>(count) : [];
  }

  override get(id: number): V | undefined {
    if (this.complete) return super.get(id);
    let v = this.rows[id];
    if (v === undefined && Number.isInteger(id) && id >= 0 && id < this.count) {
      v = this.row(id);
      if (this.keepRows) this.rows[id] = v;
    }
    return v;
  }

  protected make(id: number): V | undefined {
    return this.get(id);
  }

  protected keyList(): number[] {
    return Array.from({ length: this.count }, (_, k) => k);
  }
}

/** A LazyMap where MiniSearch expects a Map: it only calls the methods LazyMap has. */
function asMap<K, V>(lazy: LazyMap<K, V>): Map<K, V> {
  return lazy as unknown as Map<K, V>;
}

/** One term's postings: field id -> its documents (a PostingList), found in the flat list when first asked. */
class TermPostings extends LazyMap<number, Map<number, number>> {
  constructor(
    private readonly postings: Numbers,
    private readonly start: number,
  ) {
    super();
  }

  protected make(fieldId: number): Map<number, number> | undefined {
    const p = this.postings;
    for (let f = 0, at = this.start + 1; f < p[this.start]!; f++, at += 2 + 2 * p[at + 1]!) {
      if (p[at] === fieldId) return asMap(new PostingList(p, at + 2, p[at + 1]!));
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

/**
 * One term's documents in one field, document id -> frequency, read in place: MiniSearch walks the
 * keys and asks each one's frequency right away, so `get` first looks where the walk is.
 * A change makes it a Map.
 */
class PostingList extends LazyMap<number, number> {
  /** Position of the document the walk is at. */
  private at: number;

  constructor(
    private readonly p: Numbers,
    private readonly start: number,
    private readonly count: number,
  ) {
    super(false);
    this.at = start;
  }

  override get size(): number {
    return this.complete ? this.made!.size : this.count;
  }

  override keys(): IterableIterator<number> {
    return this.complete ? this.made!.keys() : new PostingKeys(this);
  }

  /** The walk of `keys()`: the next document id, or -1 at the end. */
  step(k: number): number {
    if (k >= this.count) return -1;
    this.at = this.start + 2 * k;
    return this.p[this.at]!;
  }

  protected make(doc: number): number | undefined {
    const p = this.p;
    if (p[this.at] === doc) return p[this.at + 1];
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const d = p[this.start + 2 * mid]!;
      if (d === doc) return p[this.start + 2 * mid + 1];
      if (d < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  protected keyList(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.count; k++) out.push(this.p[this.start + 2 * k]!);
    return out;
  }
}

/** Document ids of a PostingList, in order, with one result object reused (for...of reads it at once). */
class PostingKeys implements IterableIterator<number> {
  private k = 0;
  private readonly result = { value: 0, done: false } as IteratorResult<number>;

  constructor(private readonly list: PostingList) {}

  next(): IteratorResult<number> {
    const doc = this.list.step(this.k++);
    if (doc < 0) return { value: undefined, done: true };
    this.result.value = doc;
    return this.result;
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this;
  }
}
