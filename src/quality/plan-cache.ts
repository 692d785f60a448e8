import { createHash } from 'node:crypto';
import { PlanCompiler, type CompiledPlan } from './plan.js';
import type { PlanLoader, PlanLookup, PlanTarget } from './types.js';

/**
 * Tracking plans by connection, kept for `ttlMs` and refreshed in the background. Sending never
 * waits: `peek` answers from what is cached and `warm` starts a load when there is nothing or it is
 * old, so with no token, no plan or an API that does not answer, a send costs a map lookup. A refresh
 * that fails keeps the plan it had. The validate tool and command may `get`, which waits, bounded.
 */

export interface PlanCacheOptions {
  load: PlanLoader;
  /** How long a loaded plan (or a definite "no plan") is used before it is fetched again. */
  ttlMs?: number;
  /** How soon to try again after the API failed. */
  retryMs?: number;
  now?: () => number;
  onError?: (message: string) => void;
}

export type PlanView = { ok: true; compiled: CompiledPlan } | { ok: false; reason: string; noPlan?: boolean };

interface Entry {
  view?: PlanView;
  /** When the view should be fetched again. */
  staleAt: number;
  loading?: Promise<void>;
}

const MAX_ENTRIES = 64;
// Plans are read through the Public API: without a token there is nothing to load, and that is known at once.
const NO_TOKEN: PlanView = { ok: false, reason: 'no tracking plan available: no Public API token is configured, and the tracking plan is read through the Public API' };
const LOADING: PlanView = { ok: false, reason: 'no tracking plan available yet: it is loaded in the background once tracking data is sent (or SEGMENT_VALIDATE_EVENTS asks for it), and applies from then on' };

export class PlanCache {
  private readonly entries = new Map<string, Entry>();
  private readonly compiler = new PlanCompiler();
  private readonly aborts = new AbortController();
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: PlanCacheOptions) {
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.retryMs = opts.retryMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * What is known now, without waiting or loading: a dry run or a call the write policy refuses
   * must not reach the network. `warm` is what starts a load.
   */
  peek(target: PlanTarget): PlanView {
    if (!target.token) return NO_TOKEN;
    return this.entries.get(keyOf(target))?.view ?? LOADING;
  }

  /** Starts a background load when nothing is cached or it is stale; never waits. */
  warm(target: PlanTarget): void {
    if (!target.token) return;
    const entry = this.entry(target);
    if (!entry.loading && this.now() >= entry.staleAt) this.refresh(target, entry);
  }

  /** Waits for a fresh view, at most `timeoutMs`; then answers with what is known. */
  async get(target: PlanTarget, timeoutMs: number): Promise<PlanView> {
    if (!target.token) return NO_TOKEN;
    const entry = this.entry(target);
    if (!entry.loading && this.now() >= entry.staleAt) this.refresh(target, entry);
    if (entry.loading) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.loading, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    return entry.view ?? { ok: false, reason: `no tracking plan available: the Public API did not answer within ${timeoutMs} ms` };
  }

  /** Stops loads in flight (the process is closing). */
  close(): void {
    this.aborts.abort();
  }

  private entry(target: PlanTarget): Entry {
    const key = keyOf(target);
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      entry = { staleAt: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private refresh(target: PlanTarget, entry: Entry): void {
    if (this.aborts.signal.aborted) return;
    entry.loading = this.load(target)
      .then((lookup) => this.apply(entry, lookup))
      .finally(() => (entry.loading = undefined));
  }

  /** The loader must not throw; if it does, that is an unreachable API, not a crash. */
  private async load(target: PlanTarget): Promise<PlanLookup> {
    try {
      return await this.opts.load(target, this.aborts.signal);
    } catch (err) {
      return { ok: false, reason: `the tracking plan could not be loaded (${(err as Error).message})`, transient: true };
    }
  }

  private apply(entry: Entry, lookup: PlanLookup): void {
    // Closing cut the load short: nothing was learnt, and there is no one left to tell.
    if (this.aborts.signal.aborted) return;
    const now = this.now();
    if (lookup.ok) {
      entry.view = { ok: true, compiled: this.compiler.compile(lookup.plan) };
      entry.staleAt = now + this.ttlMs;
      return;
    }
    if (lookup.transient) {
      this.opts.onError?.(lookup.reason);
      entry.staleAt = now + this.retryMs;
      // An API that fails for a moment does not take away a plan that was loaded.
      if (entry.view?.ok) return;
    } else entry.staleAt = now + this.ttlMs;
    entry.view = { ok: false, reason: `no tracking plan available: ${lookup.reason}`, ...(lookup.noPlan ? { noPlan: true } : {}) };
  }
}

/** Entries are keyed by a digest: the map never holds a write key or token in the clear. */
function keyOf(t: PlanTarget): string {
  return createHash('sha256').update(JSON.stringify([t.region, t.writeKey ?? '', t.token ?? '', t.sourceId ?? ''])).digest('base64url');
}
