import { createHash } from 'node:crypto';
import type { SurfaceHooks } from '../execution/executor.js';
import type { Surface } from '../config/runtime.js';
import { hintsFor } from '../hints/hints.js';
import type { CallSummary } from '../policy/write-policy.js';
import type { ToolError } from '../registry/types.js';
import type { Redactor } from '../security/redact.js';
import type { Logger } from '../util/log.js';
import { describeLimit, limitHint, SCRIPT_LIMITS } from './limits.js';
import { ApprovedPlan, Phase, type PhaseDeps, type PhaseMode } from './phase.js';
import { EnginePool, PoolBusyError, type PlaceWait, type RunEnd, type ThreadEnd } from './pool.js';
import type { EngineLimits } from './protocol.js';
import { countCalls, type PlannedWrite, type ScriptError, type ScriptReport } from './report.js';
import { countText } from '../util/count-text.js';
import { MAX_JSON_DEPTH, nestsDeeper } from '../util/json-depth.js';

export interface ScriptInput {
  script: string;
  dryRun?: boolean;
  timeoutMs?: number;
}

export interface WorkbenchDeps extends PhaseDeps {
  log: Logger;
  redactor: Redactor;
}

/** The most the confirmation text lists before it says how many more there are. */
const MAX_CONFIRM_CHARS = 8_000;
/** How long a finished script's unawaited calls get to finish before the answer is written. */
const SETTLE_MS = 5_000;

type PhaseEnd = { phase: Phase; end: RunEnd; timeoutMs: number };

/**
 * RUN_SCRIPT: runs an agent's script in a WebAssembly sandbox on an engine thread, every tool call
 * through the executor. Under --write=ask the script runs first as a plan (writes dry), the user
 * confirms every planned write at once, then it runs for real; a write that was not in the plan is
 * asked about on its own.
 */
export class Workbench {
  private readonly pool = new EnginePool();

  constructor(private readonly deps: WorkbenchDeps) {}

  async run(input: ScriptInput, hooks: SurfaceHooks = {}): Promise<ScriptReport> {
    const t0 = performance.now();
    const bad = usageError(input);
    if (bad) return { successful: false, error: bad, tool_calls: countCalls([]), elapsed_ms: 0 };
    const report = await this.plan(input, hooks);
    report.elapsed_ms = Math.round(performance.now() - t0);
    return this.deps.redactor.value(report);
  }

  /** Starts an engine thread ahead of the first script. */
  warm(): Promise<void> {
    return this.pool.warm();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async plan(input: ScriptInput, hooks: SurfaceHooks): Promise<ScriptReport> {
    if (input.dryRun) return { ...this.report(await this.phase(input, 'dry', hooks)), dry_run: true };
    if (this.deps.config.write !== 'ask') return this.report(await this.phase(input, 'real', hooks));

    const first = await this.phase(input, 'plan', hooks);
    const planned = first.phase.planned;
    // Nothing to confirm: the planning run was a real run of a read-only script.
    if (!planned.length) return this.report(first);
    if (!first.end.ok) return this.planningFailed(this.report(first), first.end);
    // Writes that could not go are not put to the user: each would fail for want of a connection.
    const unready = await this.connectionError(planned);
    if (unready) return { successful: false, error: { kind: 'not_connected', message: `Not asked and not sent: ${unready.message} Nothing was written.`, ...(unready.hint ? { hint: unready.hint } : {}) }, planned_writes: planned, tool_calls: countCalls(first.phase.calls), elapsed_ms: 0 };
    const answer = hooks.confirm
      ? await hooks.confirm(this.planSummary(first.phase), hooks.stop && hooks.signal ? AbortSignal.any([hooks.stop, hooks.signal]) : (hooks.stop ?? hooks.signal))
      : { confirmed: false as const, reason: 'this client cannot ask the user', unsupported: true };
    if (!answer.confirmed) {
      return {
        successful: false,
        error: {
          kind: 'policy',
          message: `Not sent: the script's ${planned.length} write(s) need the user's confirmation (--write=ask) and ${answer.reason}. Nothing was written.`,
          hint: answer.unsupported ? hintsFor(this.deps.config.surface).cannotAsk() : hintsFor(this.deps.config.surface).declined(),
        },
        planned_writes: planned,
        confirmation: { writes: planned.length, confirmed: false, reason: answer.reason },
        tool_calls: countCalls(first.phase.calls),
        elapsed_ms: 0,
      };
    }
    // Confirmed: if every place is taken meanwhile, the real run waits for one (within its own time) rather than being answered "busy".
    const timeoutMs = input.timeoutMs ?? SCRIPT_LIMITS.defaultTimeoutMs;
    const real = await this.phase(input, 'real', hooks, new ApprovedPlan(first.phase.approvals), { ms: timeoutMs, ...(hooks.signal ? { signal: hooks.signal } : {}) });
    return { ...this.report(real), confirmation: { writes: planned.length, confirmed: true } };
  }

  /**
   * A script that failed in its planning run, after a write was planned: said as such. Its writes ran as
   * dry runs, whose answers hold no ids of what they would create, so a script reading them (a new
   * source's id) fails there, before the user is asked; as an ordinary error it read as a failed run
   * whose writes were made.
   */
  private planningFailed(report: ScriptReport, end: RunEnd): ScriptReport {
    const e = report.error;
    if (!e) return report;
    const message = `The script failed in its planning run, before the user was asked: ${e.message} Nothing was written.`;
    // Only a TypeError (reading a field a dry run's answer lacks) may come from the dry runs; any other
    // failure (a bug, a limit, a cancel) would fail the real run too, and keeps its own hint.
    const fromDryRun = 'failure' in end && end.failure.name === 'TypeError' && !end.failure.limit;
    if (!fromDryRun) return { ...report, error: { ...e, message } };
    const option = this.deps.config.surface === 'cli' ? '--write=allow' : 'a server started with --write=allow';
    return {
      ...report,
      error: {
        ...e,
        message,
        hint: `Under --write=ask a script runs first with every write as a dry run, to list them all for one confirmation; a dry run's answer holds no ids of what it would create, so a script that reads what a write returns fails there. ${e.hint ? `${e.hint} ` : ''}If that is what failed here, the script needs ${option}, or two scripts: one that writes, one that reads what was written.`,
      },
    };
  }

  /** The first planned write's tool that lacks a working write key or token: the error its call would answer. */
  private async connectionError(planned: PlannedWrite[]): Promise<ToolError | undefined> {
    for (const slug of new Set(planned.map((w) => w.slug))) {
      const tool = this.deps.registry.get(slug);
      const error = tool && (await this.deps.executor.connectionError(tool));
      if (error) return error;
    }
    return undefined;
  }

  /**
   * One confirmation for the whole script: the planned writes in the order the script made them. Every
   * destructive one is listed, however long the list (one is never confirmed unseen); the others fill
   * what is left of MAX_CONFIRM_CHARS, and the rest are counted.
   */
  private planSummary(phase: Phase): CallSummary {
    const planned = phase.planned;
    const destination = [...new Set(phase.plannedLines.map((p) => p.destination))].join(' and ') || 'Segment';
    const entries = phase.plannedLines.map((p, i) => ({ destructive: p.destructive, line: `${i + 1}. ${this.deps.redactor.text(p.line)}` }));
    const shown = new Set<number>();
    let chars = 0;
    entries.forEach((e, i) => e.destructive && (shown.add(i), (chars += e.line.length)));
    entries.forEach((e, i) => !e.destructive && chars + e.line.length <= MAX_CONFIRM_CHARS && (shown.add(i), (chars += e.line.length)));
    const lines = entries.filter((_, i) => shown.has(i)).map((e) => e.line);
    const hidden = entries.length - shown.size;
    if (hidden) lines.push(`... and ${hidden} more write(s) of the same script, none of them destructive (each destructive one is listed above).`);
    return {
      slug: 'RUN_SCRIPT',
      title: 'Run a script',
      access: entries.some((e) => e.destructive) ? 'destructive' : 'write',
      summary: `A script wants to make ${planned.length} write(s) to ${destination}:\n${lines.join('\n')}`,
      destination,
    };
  }

  private async phase(input: ScriptInput, mode: PhaseMode, hooks: SurfaceHooks, approved?: ApprovedPlan, wait?: PlaceWait): Promise<PhaseEnd> {
    // A tracking call's journal run is told apart by its place in this script: the same script run again after
    // its answer was lost is its repeat; another script whose first call is the same is not.
    const phase = new Phase(this.deps, mode, hooks, approved, createHash('sha256').update(input.script).digest('base64url').slice(0, 22));
    const timeoutMs = input.timeoutMs ?? SCRIPT_LIMITS.defaultTimeoutMs;
    let thread;
    try {
      thread = await this.pool.acquire(wait);
    } catch (err) {
      if (err instanceof PoolBusyError) return { phase, end: { ok: false, busy: err.message }, timeoutMs };
      return { phase, end: { ok: false, crashed: `The sandbox could not start: ${(err as Error).message}` }, timeoutMs };
    }
    const limits: EngineLimits = {
      timeoutMs,
      memoryBytes: SCRIPT_LIMITS.memoryBytes,
      stackBytes: SCRIPT_LIMITS.stackBytes,
      maxAnswerBytes: SCRIPT_LIMITS.maxAnswerBytes,
      maxLogChars: SCRIPT_LIMITS.maxLogChars,
      maxLogLineChars: SCRIPT_LIMITS.maxLogLineChars,
    };
    // The engine stops itself at the deadline; if it is waiting on a call or stuck in one native
    // operation, the thread is ended a moment later. Either way the server's thread never waits.
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stops = [
      new Promise<ThreadEnd>((r) => (timer = setTimeout(() => r({ ok: false, crashed: 'wall_time' }), timeoutMs + SCRIPT_LIMITS.hardStopGraceMs))),
      new Promise<ThreadEnd>((r) => {
        if (!hooks.signal) return;
        onAbort = () => r({ ok: false, crashed: 'cancelled' });
        if (hooks.signal.aborted) onAbort();
        else hooks.signal.addEventListener('abort', onAbort, { once: true });
      }),
    ];
    const end = await Promise.race([thread.run(input.script, limits, { onCall: (s, a) => phase.call(s, a), onLog: (l, t) => phase.log(l, t) }), ...stops]);
    clearTimeout(timer);
    if (onAbort) hooks.signal?.removeEventListener('abort', onAbort);
    // A limit or a stop cancels calls still running; the engine thread is reused unless it had to be stopped.
    if (!end.ok && ('crashed' in end || end.failure.limit)) phase.abort.abort();
    this.pool.release(thread, !('crashed' in end));
    await phase.settle(SETTLE_MS);
    phase.stillRunning();
    if ('crashed' in end && end.crashed !== 'wall_time' && end.crashed !== 'cancelled') this.deps.log.warn('script sandbox stopped', { reason: end.crashed });
    return { phase, end, timeoutMs };
  }

  private report({ phase, end, timeoutMs }: PhaseEnd): ScriptReport {
    const logs = phase.logs.length ? { logs: phase.logs } : {};
    const dropped = 'logsDropped' in end && end.logsDropped ? { logs_dropped: end.logsDropped } : {};
    const planned = phase.mode !== 'real' && phase.planned.length ? { planned_writes: phase.planned } : {};
    const writes = phase.writes.length ? { writes: phase.writes } : {};
    const tool_calls = countCalls(phase.calls);
    const error = errorOf(end, phase, timeoutMs, this.deps.config.surface ?? 'mcp');
    if (!error && end.ok && nestsDeeper(end.answerJson)) {
      // Parsed, it would be walked (redaction, the answer's own serialisation) past the stack: said instead.
      const deep: ScriptError = { kind: 'script', message: `The script's answer nests more than ${MAX_JSON_DEPTH} levels deep; it was not passed on.`, hint: 'Return a flatter value: the ids, names or counts the task needs.' };
      return { successful: false, error: deep, ...logs, ...dropped, ...planned, ...writes, tool_calls, calls: phase.calls, elapsed_ms: 0 };
    }
    if (!error && end.ok) {
      return { successful: true, result: JSON.parse(end.answerJson) as unknown, ...logs, ...dropped, ...planned, ...writes, tool_calls, elapsed_ms: 0 };
    }
    // The partial report: every call that ran, with its answer, so nothing done is hidden.
    return { successful: false, error: error!, ...logs, ...dropped, ...planned, ...writes, tool_calls, calls: phase.calls, elapsed_ms: 0 };
  }
}

/** The run's error, if any; with no tool call run, its words say so instead of pointing at an empty "calls". */
function errorOf(end: RunEnd, phase: Phase, timeoutMs: number, surface: Surface): ScriptError | undefined {
  const ran = phase.calls.length > 0;
  const e = errorFor(end, phase, timeoutMs, ran, surface);
  return e && !ran ? { ...e, hint: `${e.hint ? `${e.hint} ` : ''}No tool call had run.` } : e;
}

const LISTED = 'Calls that already ran are listed in "calls".';

function errorFor(end: RunEnd, phase: Phase, timeoutMs: number, ran: boolean, surface: Surface): ScriptError | undefined {
  if (phase.limitHit) return limitError(phase.limitHit, timeoutMs, ran, surface);
  if (end.ok) return undefined;
  if ('busy' in end) return { kind: 'busy', message: `The script was not run: ${end.busy}`, hint: 'Nothing was run. Run it again once one of them has finished (each ends within its timeout_ms).' };
  if ('crashed' in end) {
    if (end.crashed === 'wall_time') return limitError('wall_time', timeoutMs, ran, surface);
    if (end.crashed === 'cancelled') return { kind: 'cancelled', message: 'The call was cancelled; the script was stopped.', hint: ran ? LISTED : '' };
    return { kind: 'internal', message: `The script did not finish: ${end.crashed}.`, hint: `${ran ? `${LISTED} ` : ''}Run the script again; if this repeats, simplify it.` };
  }
  const f = end.failure;
  if (f.limit) return { ...limitError(f.limit, timeoutMs, ran, surface), ...(f.at ? { at: f.at } : {}) };
  return {
    kind: 'script',
    message: `The script threw ${f.name}: ${f.message}`,
    hint: f.name === 'ToolError'
      ? 'A tool call failed and the script did not catch it; its answer is the last failed entry in "calls". Fix the call (or catch the error) and run the script again.'
      : `Fix the script and run it again${ran ? '; calls that already ran are listed in "calls"' : ''}.`,
    ...(f.at ? { at: f.at } : {}),
  };
}

function limitError(limit: ScriptError['limit'] & string, timeoutMs: number, ran: boolean, surface: Surface): ScriptError {
  return { kind: 'limit', limit, message: `The script was stopped: it reached ${describeLimit(limit, timeoutMs)}.${ran ? ` ${LISTED}` : ''}`, hint: limitHint(limit, surface) };
}

function usageError(input: ScriptInput): ScriptError | undefined {
  const usage = (message: string): ScriptError => ({ kind: 'usage', message, hint: 'Nothing was run.' });
  if (typeof input.script !== 'string' || !input.script.trim()) return usage('script is empty: pass JavaScript that calls tools.call(slug, args) and returns the answer.');
  if (input.script.length > SCRIPT_LIMITS.maxScriptChars) return usage(`script is ${countText(input.script.length)} characters; the limit is ${countText(SCRIPT_LIMITS.maxScriptChars)}. Keep data out of the script: let it fetch what it needs.`);
  const t = input.timeoutMs;
  if (t !== undefined && (!Number.isInteger(t) || t < 1 || t > SCRIPT_LIMITS.maxTimeoutMs)) return usage(`timeout_ms must be a whole number of milliseconds from 1 to ${SCRIPT_LIMITS.maxTimeoutMs}; got ${t}.`);
  return undefined;
}
