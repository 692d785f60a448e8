import type { RetrySettings } from '../config/runtime.js';
import { NetworkError, refusedLocally, type HttpClient, type HttpResponse } from './client.js';

/**
 * The one retry policy, for both Segment APIs (docs/segment-facts.md, as the official library does it):
 * - 400 is never retried; other 4xx fail, except 408, 410, 429 and 460;
 * - 429 with a server-chosen wait (Retry-After, or the Public API's msBeforeNext) waits that long,
 *   clamped to [min, max], without spending a retry (bounded separately so it always ends);
 * - 429 without a wait, 5xx except 501/505, 408, 410, 460 and network errors back off
 *   min((1 + random) * base * 2^n, max) and retry up to `maxRetries` times;
 * - a request that is not idempotent (a Public API POST) is retried only when it cannot have been
 *   applied: a 429, or a connection that was never made;
 * - with a deadline (a call that must answer in time), no wait is begun that would leave less than
 *   MIN_ATTEMPT_MS for the attempt after it, and no retry outlives it: the last failure is returned.
 */

/**
 * How long a connection this very machine refused is retried, in waits: nothing listens on that port (a
 * local stand-in such as the sandbox, not running). A restart takes seconds; minutes of backoff would
 * only keep a person waiting in silence. Segment's hosts are never local: a refusal from them keeps the
 * whole budget.
 */
const LOCAL_REFUSED_WAIT_MS = 10_000;

/** The least time a retry is given; a shorter one would mostly fail for lack of time. */
const MIN_ATTEMPT_MS = 2_000;

const RETRYABLE_STATUS = new Set([408, 410, 429, 460]);

export function isRetryableStatus(status: number): boolean {
  if (RETRYABLE_STATUS.has(status)) return true;
  return status >= 500 && status !== 501 && status !== 505;
}

export function backoffMs(retry: number, s: RetrySettings, random = Math.random): number {
  return Math.min((1 + random()) * s.baseDelayMs * 2 ** retry, s.maxDelayMs);
}

/** Reads `Retry-After` (seconds or an HTTP date). */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const raw = headers['retry-after'];
  if (!raw) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RetryOptions {
  settings: RetrySettings;
  timeoutMs: number;
  idempotent: boolean;
  signal?: AbortSignal;
  /** Once aborted, no further attempt: a wait ends at once; the attempt on its way is answered (SendContext.stop). */
  stopRetrying?: AbortSignal;
  /** Epoch ms by which the caller must answer: retries stop in time (see above). */
  deadline?: number;
  /** Most of each response body to read (the HTTP client's default when absent). */
  maxResponseBytes?: number;
  /** Extra place a server may say how long to wait (the Public API's `msBeforeNext`). */
  waitHint?: (res: HttpResponse) => number | undefined;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** Called before each attempt after the first, once the wait is over (a body stamped with its send time is stamped again). */
  beforeRetry?: () => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RetryResult {
  response?: HttpResponse;
  error?: NetworkError;
  attempts: number;
  /** The last wait the server asked for, when we gave up on a 429 (within the settings' bounds). */
  lastWaitMs?: number;
  /** That wait as the server asked it (Retry-After), unbounded: what a caller who repeats the call should wait. */
  askedWaitMs?: number;
  /** Retrying stopped at the deadline, not at the retry budget. */
  outOfTime?: boolean;
  /**
   * An attempt before the last got no clear answer (a 5xx, or no answer once sent) and was retried:
   * Segment may have applied it, so a later "not found" may be that attempt's own doing.
   */
  unclearEarlier?: boolean;
}

/**
 * Waits `ms` unless the call is cancelled. The listener goes when the wait ends either way: one signal
 * can outlive many waits (an import's Ctrl-C), and a listener left per retry piles up on it.
 */
export const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new NetworkError('The call was cancelled.', false, 'ABORTED'));
    const aborted = () => {
      clearTimeout(t);
      reject(new NetworkError('The call was cancelled.', false, 'ABORTED'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });

/** Whether waiting `ms` would leave the next attempt too little time before the deadline. */
const pastDeadline = (opts: RetryOptions, ms: number) => opts.deadline !== undefined && Date.now() + ms + MIN_ATTEMPT_MS > opts.deadline;

/** Sends one request under the retry policy. Returns the final response or network error; never throws them. */
export async function sendWithRetries(
  http: HttpClient,
  req: { method: string; url: string; headers: Record<string, string>; body?: string | Buffer },
  opts: RetryOptions,
): Promise<RetryResult> {
  const s = opts.settings;
  const sleep = opts.sleep ?? defaultSleep;
  // Waits end on either signal; the attempt itself only on `signal`.
  const waitSignal = opts.stopRetrying && opts.signal ? AbortSignal.any([opts.signal, opts.stopRetrying]) : (opts.stopRetrying ?? opts.signal);
  const stopped = () => opts.stopRetrying?.aborted === true;
  let retries = 0;
  let serverWaits = 0;
  let attempts = 0;
  let lastWaitMs: number | undefined;
  let unclear = false;
  /** Time waited so far on connections this machine refused (LOCAL_REFUSED_WAIT_MS). */
  let localWaitedMs = 0;
  for (;;) {
    if (attempts > 0) opts.beforeRetry?.();
    const headers = attempts > 0 ? { ...req.headers, 'X-Retry-Count': String(attempts) } : req.headers;
    attempts++;
    let delay: number | undefined;
    let reason = '';
    let localRefusal = false;
    let result: RetryResult;
    // An attempt under a deadline gets what is left of it (at least MIN_ATTEMPT_MS).
    const timeoutMs = opts.deadline !== undefined ? Math.min(opts.timeoutMs, Math.max(MIN_ATTEMPT_MS, opts.deadline - Date.now())) : opts.timeoutMs;
    try {
      const res = await http.send({ ...req, headers }, { timeoutMs, signal: opts.signal, ...(opts.maxResponseBytes ? { maxResponseBytes: opts.maxResponseBytes } : {}) });
      result = { response: res, attempts, lastWaitMs, ...(unclear ? { unclearEarlier: true } : {}) };
      if (res.status < 300 || !isRetryableStatus(res.status)) return result;
      if (!opts.idempotent && res.status !== 429) return result;
      reason = `HTTP ${res.status}`;
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers) ?? opts.waitHint?.(res);
        if (wait !== undefined) {
          lastWaitMs = Math.min(Math.max(wait, s.minRetryAfterMs), s.maxRetryAfterMs);
          result.lastWaitMs = lastWaitMs;
          result.askedWaitMs = wait;
          if (serverWaits >= s.maxRetries) return result;
          if (pastDeadline(opts, lastWaitMs)) return { ...result, outOfTime: true };
          if (stopped()) return result;
          serverWaits++;
          opts.onRetry?.({ attempt: attempts, delayMs: lastWaitMs, reason });
          try {
            await sleep(lastWaitMs, waitSignal);
          } catch (e) {
            // Stopped during the wait: Segment's 429 is the answer (nothing was applied); cancelled: say so.
            return stopped() && !opts.signal?.aborted ? result : { ...result, error: e as NetworkError };
          }
          continue;
        }
      }
    } catch (err) {
      if (!(err instanceof NetworkError) || err.code === 'ABORTED' || err.code === 'HOST_NOT_ALLOWED') {
        return { error: err instanceof NetworkError ? err : new NetworkError(String(err), false), attempts };
      }
      result = { error: err, attempts, ...(unclear ? { unclearEarlier: true } : {}) };
      if (!opts.idempotent && !err.notSent) return result;
      localRefusal = refusedLocally(err.code, req.url);
      reason = err.message;
    }
    // Retried below: a 5xx, or a request that went out and got no answer, may have been applied.
    if (result.error ? !result.error.notSent : result.response!.status >= 500) unclear = true;
    if (retries >= s.maxRetries || stopped()) return result;
    delay = backoffMs(retries, s);
    if (pastDeadline(opts, delay)) return { ...result, outOfTime: true };
    if (localRefusal) {
      if (localWaitedMs + delay > LOCAL_REFUSED_WAIT_MS) return result;
      localWaitedMs += delay;
    }
    retries++;
    opts.onRetry?.({ attempt: attempts, delayMs: delay, reason });
    try {
      await sleep(delay, waitSignal);
    } catch (e) {
      return stopped() && !opts.signal?.aborted ? result : { ...result, error: e as NetworkError };
    }
  }
}
