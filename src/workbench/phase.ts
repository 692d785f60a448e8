import { createHash } from 'node:crypto';
import type { RuntimeConfig } from '../config/runtime.js';
import type { ExecutionResult, Executor, SurfaceHooks } from '../execution/executor.js';
import { decide, type Confirmer } from '../policy/write-policy.js';
import type { Registry } from '../registry/registry.js';
import type { HttpRequestSpec, ToolError } from '../registry/types.js';
import type { Truncation } from '../execution/truncate.js';
import { countText } from '../util/count-text.js';
import { describeLimit, parsedCost, SCRIPT_LIMITS, type LimitName } from './limits.js';
import { summarizeCall } from '../execution/summary.js';
import type { CallRecord, PlannedWrite, SentWrite } from './report.js';
import { MAX_JSON_DEPTH, nestsDeeper } from '../util/json-depth.js';
import { MAX_DEPTH } from '../execution/argument-values.js';

/**
 * dry: reads run, every write becomes a dry run and is collected (dry_run: true).
 * plan: the first run under ask: the same, except that a write the policy refuses is refused, as it
 *   will be in the real run.
 * real: every call goes as EXECUTE_TOOL would send it.
 */
export type PhaseMode = 'dry' | 'plan' | 'real';

export interface PhaseDeps {
  executor: Executor;
  registry: Registry;
  config: RuntimeConfig;
}

/** Writes the user already confirmed as one plan (`Phase.approvals`): each may run once without asking again. */
export class ApprovedPlan {
  private readonly left: string[];
  constructor(keys: string[]) {
    this.left = [...keys];
  }
  take(slug: string, args: unknown): boolean {
    const i = this.left.indexOf(keyOf(slug, args));
    if (i < 0) return false;
    this.left.splice(i, 1);
    return true;
  }
}
/** A write as a digest of its slug and arguments: what a plan keeps of each, whatever its records keep. */
const keyOf = (slug: string, args: unknown) => createHash('sha256').update(`${slug} ${JSON.stringify(args)}`).digest('base64url');

/**
 * One run of a script, seen from the server: the bridge its tool calls cross, and what they did.
 * Every call goes through the executor, the same path as EXECUTE_TOOL (validation, connection,
 * write policy, audit, redaction); this class only chooses dry runs in plan mode and keeps records.
 */
export class Phase {
  readonly calls: CallRecord[] = [];
  readonly planned: PlannedWrite[] = [];
  readonly writes: SentWrite[] = [];
  /** Each planned write's key (`keyOf`), in order: what a confirmed plan lets run. */
  readonly approvals: string[] = [];
  /**
   * Each planned write as the confirmation says it (execution/summary.ts, a few hundred characters), in
   * order: made when the write is planned, so the question names every write whatever the records keep.
   */
  readonly plannedLines: { line: string; destructive: boolean; destination: string }[] = [];
  readonly logs: string[] = [];
  /** Bytes of arguments and answers the records keep so far (SCRIPT_LIMITS.keptRecordBytes). */
  private keptBytes = 0;
  limitHit?: LimitName;
  readonly abort = new AbortController();
  private started = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Calls on their way, by number: what the answer says of those the script did not wait for. */
  private readonly running = new Map<number, { slug: string; argsJson: string; writes: boolean; dryRun: boolean }>();
  /** How many times the script has made each call so far, by slug and arguments (`occurrence`). */
  private readonly made = new Map<string, number>();
  private readonly signal: AbortSignal;

  constructor(
    private readonly deps: PhaseDeps,
    readonly mode: PhaseMode,
    private readonly hooks: SurfaceHooks,
    private readonly approved?: ApprovedPlan,
    /** Which script this is (a hash of its text): its calls' places are places in it, not in any script. */
    private readonly scriptKey = '',
  ) {
    this.signal = hooks.signal ? AbortSignal.any([hooks.signal, this.abort.signal]) : this.abort.signal;
  }

  /** A tool call from the script; answers the JSON the prelude reads. */
  call(slug: string, argsJson: string): Promise<string> {
    if (this.started >= SCRIPT_LIMITS.maxToolCalls) {
      this.limitHit = 'tool_calls';
      return Promise.resolve(JSON.stringify({ ok: false, error: { kind: 'limit', limit: 'tool_calls', slug, message: `Not run: the script reached ${describeLimit('tool_calls', 0)}.` } }));
    }
    this.started++;
    const p = this.run(slug, argsJson, this.started, this.occurrence(slug, argsJson));
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }

  /**
   * Which time the script makes this very call (1 for its first): what tells a call's journal run apart
   * from the same call's other runs in the script. Counted per call, not as the script's n-th call: calls
   * made in branches that run at once start in whatever order their reads finish, which a run again
   * need not repeat.
   */
  private occurrence(slug: string, argsJson: string): number {
    // A digest, not the text: a script's arguments may be megabytes, and every call's would be kept.
    // By the tool, however the script spelt it (SEGMENT_TRACK, segment_track, TRACK are one call).
    const key = createHash('sha256').update(this.deps.registry.resolveSlug(slug)).update('\n').update(argsJson).digest('base64url');
    const k = (this.made.get(key) ?? 0) + 1;
    this.made.set(key, k);
    return k;
  }

  log(level: string, line: string): void {
    this.logs.push(level === 'log' ? line : `${level}: ${line}`);
  }

  /** Waits for calls still running (a script may end without awaiting one), at most `ms`. */
  async settle(ms: number): Promise<void> {
    if (!this.inflight.size) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private async run(slug: string, argsJson: string, n: number, occurrence: number): Promise<string> {
    // Arguments nest 64 levels at most (execution/argument-values.ts); text far deeper is refused as text,
    // before anything walks it (the call's record, its audit line) past the stack.
    if (nestsDeeper(argsJson)) {
      const error = { kind: 'validation', message: `The arguments nest more than ${MAX_JSON_DEPTH} levels deep. Nothing was sent.`, hint: `Flatten the value: arguments may nest at most ${MAX_DEPTH} levels.`, slug };
      this.record(slug, {}, { successful: false, tool_slug: slug, error }, false, false, 0, 0);
      return JSON.stringify({ ok: false, error });
    }
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      // The prelude sends only an object's JSON; anything else is refused here too, as a call's own error.
      const error = { kind: 'validation', message: 'The arguments are not a JSON object. Nothing was sent.', hint: 'Pass args as a plain object, e.g. { sourceId: "..." }.', slug };
      this.record(slug, {}, { successful: false, tool_slug: slug, error }, false, false, 0, 0);
      return JSON.stringify({ ok: false, error });
    }
    const resolved = this.deps.registry.resolve(slug);
    const tool = resolved.ok ? resolved.tool : undefined;
    const writes = !!tool && tool.access !== 'read';

    // Planning under ask, a write the policy refuses goes to the executor as it is, so it is refused (and audited) as a direct call would be.
    const dryRun = writes && (this.mode === 'dry' || (this.mode === 'plan' && decide(tool, this.deps.config).action !== 'deny'));
    this.running.set(n, { slug: tool?.slug ?? slug, argsJson, writes, dryRun });
    const result = await this.deps.executor.execute(
      { slug, arguments: args, dryRun, maxAnswerBytes: SCRIPT_LIMITS.toolAnswerBytes, slot: `script ${this.scriptKey} same call ${occurrence}` },
      {
        signal: this.signal,
        progress: this.hooks.progress,
        confirm: writes ? this.confirmer(tool.slug, args) : undefined,
        ...(this.hooks.answerWithinMs !== undefined ? { answerWithinMs: this.hooks.answerWithinMs } : {}),
        // A tracking call's journal run closes when the script's answer reaches the caller, not when the call ends:
        // a script run again after its answer was lost then sends nothing its calls had delivered.
        ...(this.hooks.receipts ? { receipts: this.hooks.receipts } : {}),
      },
    );
    const given = result.successful ? handedOver(result, writes) : { ok: false as const, error: { ...result.error!, slug: result.tool_slug ?? slug } };
    const answer = JSON.stringify(given);
    if (!this.running.delete(n)) return answer; // already said to be still running (stillRunning)
    // What the script got is what the run's records say: a cut answer refused is a failed call.
    const kept: ExecutionResult = given.ok ? result : { successful: false, tool_slug: result.tool_slug ?? slug, error: given.error };
    this.record(slug, args, kept, dryRun, writes, argsJson.length + answer.length, parsedCost(argsJson) + parsedCost(answer));
    return answer;
  }

  /** Under ask, a write the user confirmed as part of the plan goes on; any other is asked on its own. */
  private confirmer(slug: string, args: unknown): Confirmer | undefined {
    const surface = this.hooks.confirm;
    const approved = this.approved;
    if (!approved) return surface;
    return async (call) => (approved.take(slug, args) ? { confirmed: true } : surface ? surface(call) : { confirmed: false, reason: 'this client cannot ask the user', unsupported: true });
  }

  /**
   * Records the calls still on their way once the answer must be written (the script ended without
   * awaiting them, and they outlasted the wait for them): each is said to be still running, writes among
   * them too, since they may yet reach Segment. Their outcome, when it comes, is in the audit log.
   */
  stillRunning(): void {
    const error = { kind: 'still_running', message: 'The script ended without awaiting this call, and it was still running when the answer was written: it may yet reach Segment. Its outcome is in the audit log.', hint: 'Await every tools.call in the script (await Promise.all for calls made together).' };
    for (const [n, c] of this.running) {
      this.running.delete(n);
      const args = JSON.parse(c.argsJson) as unknown;
      this.record(c.slug, args, { successful: false, tool_slug: c.slug, error }, c.dryRun, c.writes, c.argsJson.length, parsedCost(c.argsJson));
    }
  }

  /**
   * Keeps what a call did, whole while the run's records stay within SCRIPT_LIMITS.keptRecordBytes
   * (`cost`: its arguments and answer kept, `parsedCost`); past it, its slug and outcome and how many
   * `bytes` of JSON were left out.
   */
  private record(slug: string, args: unknown, r: ExecutionResult, dryRun: boolean, writes: boolean, bytes: number, cost: number): void {
    const name = r.tool_slug ?? slug;
    const whole = this.keptBytes + cost <= SCRIPT_LIMITS.keptRecordBytes;
    if (whole) this.keptBytes += cost;
    const given = whole ? { arguments: args } : { left_out_bytes: bytes };
    this.calls.push({ slug: name, ...given, successful: r.successful, ...(dryRun ? { dry_run: true as const } : {}), ...(whole && r.data !== undefined ? { data: r.data } : {}), ...(r.error ? { error: r.error } : {}) });
    if (!writes) return;
    if (dryRun) {
      if (!r.successful) return;
      const data = r.data as { requests?: HttpRequestSpec[]; notes?: unknown; policy?: string };
      this.approvals.push(keyOf(name, args));
      const tool = this.deps.registry.get(name);
      if (tool) {
        const s = summarizeCall(tool, (args ?? {}) as Record<string, unknown>, data.requests?.[0], (t) => t);
        this.plannedLines.push({ line: s.summary, destructive: tool.access === 'destructive', destination: s.destination });
      }
      this.planned.push({ slug: name, ...given, ...(whole ? { requests: data.requests ?? [] } : {}), ...(whole && data.notes !== undefined ? { notes: data.notes } : {}), policy: data.policy ?? '' });
    } else {
      this.writes.push({ slug: name, ...given, successful: r.successful, ...(r.error ? { error: r.error } : {}) });
    }
  }
}

/**
 * A successful call's answer as the script gets it. A read answer cut to fit the script's share is an
 * error the script can catch, with what was cut and how to page: a script reads data as whole, and a
 * cut list handed over as data (tools.all would stop at it) is wrong data said to be right. A write's
 * answer is handed over as it is, cut or not: the write went through, and an error would invite its repeat.
 */
function handedOver(result: ExecutionResult, writes: boolean): { ok: true; data: unknown } | { ok: false; error: ToolError & { slug: string } } {
  const truncated = (result as { truncated?: Truncation }).truncated;
  if (!truncated || writes) return { ok: true, data: result.data ?? null };
  const slug = result.tool_slug ?? '';
  return {
    ok: false,
    error: {
      kind: 'answer_too_large',
      message: `${slug}'s answer came to more than ${countText(SCRIPT_LIMITS.toolAnswerBytes / (1024 * 1024))} MB (${countText(truncated.original_bytes)} bytes), the most one call hands to a script; it was not handed over cut.`,
      hint: `Ask for less in each call: ${truncated.how_to_page}`,
      details: { truncated },
      slug,
    },
  };
}
