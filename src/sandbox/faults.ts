/**
 * Faults the sandbox plays back, in order, to requests whose path starts with `path`
 * (default: every Segment path). Each rule answers `times` requests (default 1).
 */
export interface FaultRule {
  path?: string;
  /** Only requests whose body contains this text (e.g. one messageId), so a test can fail one chunk of a batch. */
  match?: string;
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /**
   * Body of the faulty answer. In its strings, `{{authorization}}` and `{{credential}}` become the
   * request's Authorization header and the write key or token it carries: an upstream that echoes
   * secrets, to prove the router masks them.
   */
  body?: unknown;
  /** A body sent as written instead of `body`'s JSON (a host that is not the Public API: an HTML page). */
  text?: string;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Wait before answering (past the client's timeout = a slow response). */
  delayMs?: number;
  /** Process the request first (events recorded), then answer with the fault: "applied, but the answer was lost". */
  afterAccept?: boolean;
  times?: number;
}

export class FaultQueue {
  private rules: (FaultRule & { left: number })[] = [];

  add(...rules: FaultRule[]): void {
    for (const r of rules) this.rules.push({ ...r, left: r.times ?? 1 });
  }

  take(path: string, body?: Buffer): FaultRule | undefined {
    const i = this.rules.findIndex((r) => (!r.path || path.startsWith(r.path)) && (!r.match || (body?.includes(r.match) ?? false)));
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

/** Fills the `{{authorization}}` / `{{credential}}` placeholders of a fault body. */
export function fillEcho(value: unknown, authorization: string, credential: string): unknown {
  if (typeof value === 'string') return value.split('{{authorization}}').join(authorization).split('{{credential}}').join(credential);
  if (Array.isArray(value)) return value.map((v) => fillEcho(v, authorization, credential));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillEcho(v, authorization, credential)]));
  return value;
}
