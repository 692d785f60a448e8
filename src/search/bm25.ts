/**
 * BM25F over documents with several weighted fields. Each field's term frequency is length-normalised
 * on its own, the weighted sum is saturated once, and IDF comes from the whole collection. Deterministic:
 * plain arrays and maps, no randomness, ties left to the caller.
 */

export interface FieldSpec {
  weight: number;
  /** Length normalisation, 0 (none) to 1 (full). */
  b: number;
  /** Count a term once per field however often it appears (slug words). */
  binary?: boolean;
}

const K1 = 1.2;

export class Bm25Index<F extends string> {
  private readonly tf: Map<string, number>[][] = [];
  private readonly len: number[][] = [];
  private readonly avg: number[];
  private readonly df = new Map<string, number>();
  private readonly names: F[];

  constructor(
    private readonly fields: Record<F, FieldSpec>,
    docs: Record<F, string[]>[],
  ) {
    this.names = Object.keys(fields) as F[];
    const totals = this.names.map(() => 0);
    for (const doc of docs) {
      const seen = new Set<string>();
      const tfs: Map<string, number>[] = [];
      const lens: number[] = [];
      this.names.forEach((f, i) => {
        const m = new Map<string, number>();
        for (const t of doc[f]) {
          m.set(t, fields[f].binary ? 1 : (m.get(t) ?? 0) + 1);
          seen.add(t);
        }
        tfs.push(m);
        lens.push(doc[f].length);
        totals[i]! += doc[f].length;
      });
      this.tf.push(tfs);
      this.len.push(lens);
      for (const t of seen) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
    this.avg = totals.map((t) => Math.max(1, t / Math.max(1, docs.length)));
  }

  get size(): number {
    return this.tf.length;
  }

  has(term: string): boolean {
    return this.df.has(term);
  }

  /** Rarer terms say more. A term no document has gets the IDF of a term seen once. */
  idf(term: string): number {
    const n = this.tf.length;
    const df = this.df.get(term) ?? 1;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Saturated, field-weighted frequency of one term in one document (0 when absent). */
  private weightedTf(doc: number, term: string): number {
    let sum = 0;
    this.names.forEach((f, i) => {
      const tf = this.tf[doc]![i]!.get(term);
      if (!tf) return;
      const spec = this.fields[f];
      const norm = 1 - spec.b + spec.b * (this.len[doc]![i]! / this.avg[i]!);
      sum += (spec.weight * tf) / norm;
    });
    return sum;
  }

  /** Score of one document for weighted query terms; also which query terms it contains. */
  score(doc: number, query: Map<string, number>): { score: number; matched: Set<string> } {
    let score = 0;
    const matched = new Set<string>();
    for (const [term, qw] of query) {
      const wtf = this.weightedTf(doc, term);
      if (wtf === 0) continue;
      matched.add(term);
      score += qw * this.idf(term) * ((wtf * (K1 + 1)) / (wtf + K1));
    }
    return { score, matched };
  }
}
