/**
 * Bytes of request bodies held at once, across every request the HTTP server is reading or running.
 * A per-request limit alone let ten concurrent 15 MB bodies raise the process by 400 MB; with a
 * shared budget a request that would go past it is refused at once (503 with Retry-After), before
 * its body is read, and its bytes are given back when its response ends.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `bytes` from the budget; false (nothing taken) when they do not fit. */
  take(bytes: number): boolean {
    if (bytes < 0 || this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
