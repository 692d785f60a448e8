/** Inclusive [from, to] runs of message indices (or line numbers). */
export type Range = [number, number];

/** A set of non-negative integers kept as sorted, merged runs: a few numbers on disk for a long call. */
export class IndexSet {
  private runs: Range[] = [];

  static of(indices: Iterable<number>): IndexSet {
    const s = new IndexSet();
    for (const i of indices) s.addRange(i, i);
    return s;
  }

  static fromRanges(ranges: Range[]): IndexSet {
    return new IndexSet().addRanges(ranges);
  }

  get size(): number {
    return this.runs.reduce((n, [a, b]) => n + b - a + 1, 0);
  }

  ranges(): Range[] {
    return this.runs.map(([a, b]) => [a, b]);
  }

  addRanges(ranges: Range[]): this {
    for (const [a, b] of ranges) this.addRange(a, b);
    return this;
  }

  addRange(from: number, to: number): this {
    const runs = this.runs;
    // Fast path: indices mostly arrive in order.
    const last = runs[runs.length - 1];
    if (!last || from > last[1] + 1) {
      runs.push([from, to]);
      return this;
    }
    let i = this.firstEndingAtOrAfter(from - 1);
    let lo = from;
    let hi = to;
    let j = i;
    while (j < runs.length && runs[j]![0] <= to + 1) {
      lo = Math.min(lo, runs[j]![0]);
      hi = Math.max(hi, runs[j]![1]);
      j++;
    }
    runs.splice(i, j - i, [lo, hi]);
    return this;
  }

  has(n: number): boolean {
    const i = this.firstEndingAtOrAfter(n);
    return i < this.runs.length && this.runs[i]![0] <= n;
  }

  /** The smallest n with every number below it in the set (the low-water mark from `start`). */
  contiguousFrom(start: number): number {
    const first = this.runs[0];
    return first && first[0] <= start ? Math.max(start, first[1] + 1) : start;
  }

  private firstEndingAtOrAfter(n: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid]![1] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
