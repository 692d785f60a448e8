/**
 * Faults the sandbox plays back, in order, to requests whose path starts with `path`
 * (default: every Segment path). Each rule answers `times` requests (default 1).
 */
export interface FaultRule {
  path?: string;
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  body?: unknown;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Wait before answering (past the client's timeout = a slow response). */
  delayMs?: number;
  times?: number;
}

export class FaultQueue {
  private rules: (FaultRule & { left: number })[] = [];

  add(...rules: FaultRule[]): void {
    for (const r of rules) this.rules.push({ ...r, left: r.times ?? 1 });
  }

  take(path: string): FaultRule | undefined {
    const i = this.rules.findIndex((r) => !r.path || path.startsWith(r.path));
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    if (--rule.left <= 0) this.rules.splice(i, 1);
    return rule;
  }

  pending(): number {
    return this.rules.reduce((n, r) => n + r.left, 0);
  }

  clear(): void {
    this.rules = [];
  }
}
