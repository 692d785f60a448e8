/**
 * Work that waits until the caller has the answer. The delivery journal closes a tracking call only
 * then (segment/tracking/delivery.ts): a call whose answer never reached its caller (the server killed
 * between the last request and the answer, the request cancelled, a task never read) stays open with
 * every message acked, so the caller's repeat sends nothing again instead of everything under new ids.
 * A surface that can tell when its answer is out passes one (MCP tools/call, tasks/result, `call`);
 * without one, a call closes as soon as it ends. An MCP client that cancels a request after its answer
 * was sent drops that answer (the protocol tells it to): the call is opened again for its repeat.
 */
export class AnswerReceipts {
  private pending: (() => void)[] = [];
  private undo: (() => void)[] = [];
  /** The answer is out (and not withdrawn since): work that comes to wait now runs at once. */
  private out = false;

  /**
   * Runs `fn` once the answer has reached the caller; at once if it already has (a script's call it did
   * not await, ending after the script's answer: waiting for a delivery that has passed would keep its
   * journal run open for a day).
   */
  onDelivered(fn: () => void): void {
    if (this.out) runAll([fn]);
    else this.pending.push(fn);
  }

  /** Runs `fn` if the caller, once the answer was out, says it will not read it (a cancel that came too late). */
  onWithdrawn(fn: () => void): void {
    this.undo.push(fn);
  }

  /** The answer is out: what waited for it runs now, once. */
  delivered(): void {
    this.out = true;
    const due = this.pending;
    this.pending = [];
    runAll(due);
  }

  /** The caller dropped the answer it was sent: what `delivered` did is undone, once. */
  withdrawn(): void {
    this.out = false;
    const due = this.undo;
    this.undo = [];
    runAll(due);
  }
}

function runAll(fns: (() => void)[]): void {
  for (const fn of fns) {
    try {
      fn();
    } catch {
      // Each closes or opens its own journal run and says so in the log when it cannot: one must not stop the rest.
    }
  }
}
