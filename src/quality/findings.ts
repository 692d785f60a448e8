import type { Finding, FindingKind, Severity } from './types.js';

/**
 * Where the checks put what they find. Every finding is counted; only those an answer shows are built
 * (their texts, paths and fixes): the first `limit`, which the answer lists, and, when `keepErrors` is
 * set (block mode), the errors, which say why a message is kept back. A batch of 25,000 messages can
 * have 20,000 findings of which 200 are listed: building and holding the others for the whole call was
 * a large part of what checking cost (their texts, and the garbage collector copying them).
 *
 * A check reports each finding as `if (out.wants(kind, severity)) out.push(finding)`: `wants` counts it
 * and says whether to build it, `push` takes the finding just counted.
 */
export class Findings {
  /** The findings an answer lists: the first `limit`, in the order they were found. */
  readonly listed: Finding[] = [];
  total = 0;
  errors = 0;
  readonly byKind: Record<FindingKind, number> = { tracking_plan: 0, naming: 0, pii: 0 };
  /** Under `keepErrors`: the errors found since `clearErrors`, built. */
  readonly recentErrors: Finding[] = [];

  constructor(
    readonly limit = Infinity,
    private readonly keepErrors = false,
  ) {}

  /** Counts one finding; true when it must be built and passed to `push`. */
  wants(kind: FindingKind, severity: Severity): boolean {
    this.total++;
    this.byKind[kind]++;
    if (severity === 'error') {
      this.errors++;
      if (this.keepErrors) return true;
    }
    return this.total <= this.limit;
  }

  /** The finding `wants` just counted. */
  push(f: Finding): void {
    if (this.total <= this.limit) this.listed.push(f);
    if (this.keepErrors && f.severity === 'error') this.recentErrors.push(f);
  }

  clearErrors(): void {
    // Setting an array's length is a call into the engine: most messages have no error to clear.
    if (this.recentErrors.length) this.recentErrors.length = 0;
  }
}
