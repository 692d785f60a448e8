import type { AnswerReceipts } from '../util/answer-receipts.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { ConnectionService } from '../connections/types.js';
import type { HttpClient } from '../http/client.js';
import { hintsFor } from '../hints/hints.js';
import { decide, type Confirmer } from '../policy/write-policy.js';
import type { Registry } from '../registry/registry.js';
import { metaToolNamed, slugPreview } from '../registry/slug.js';
import { capabilityOf, type Progress, type ToolDefinition, type ToolError } from '../registry/types.js';
import { maskRequest } from '../security/mask-request.js';
import { jsonErrorReason, type Redactor } from '../security/redact.js';
import type { Logger } from '../util/log.js';
import type { TrackingQuality } from '../quality/checker.js';
import { ArgumentsError, explainIssues, issueList, formatIssues } from '../registry/arguments.js';
import { summarizeCall } from './summary.js';
import { checkArgumentValues } from './argument-values.js';
import { checkArgumentsSize } from './limits.js';
import { checkSchema } from './schema-check.js';
import type { ExecutionResult } from './result.js';
import { parseJsonText } from '../util/json-text.js';
import { truncateResult } from './truncate.js';
import { countText } from '../util/count-text.js';

export type { ExecutionResult } from './result.js';

export interface ExecuteRequest {
  slug: string;
  arguments: unknown;
  dryRun?: boolean;
  /** This call's share of the answer limit (several calls answered together split it). */
  maxAnswerBytes?: number;
  /** Its place among calls made together (SendContext.slot). */
  slot?: string;
}

export interface SurfaceHooks {
  /** How to ask the user under --write=ask; absent means the surface cannot ask. */
  confirm?: Confirmer;
  progress?: Progress;
  /** Aborts the call, requests on their way included (SendContext.signal). */
  signal?: AbortSignal;
  /** Stops the call, its requests on their way answered (SendContext.stop). */
  stop?: AbortSignal;
  /**
   * The surface must answer within this once sending starts (SendContext.deadline): counted from the
   * send, not from the call, so a confirmation the user took long over, or a script's earlier calls,
   * leave the send its whole window.
   */
  answerWithinMs?: number;
  /** Where the surface says its answer reached the caller (util/answer-receipts.ts); absent: calls close when they end. */
  receipts?: AnswerReceipts;
}

/** One write attempt, as the audit log records it. */
export interface WriteEvent {
  slug: string;
  access: ToolDefinition['access'];
  /** `ask`: the policy asks, and this call did not: the write could not have gone (not connected). */
  decision: 'allow' | 'ask' | 'ask-confirmed' | 'ask-declined' | 'deny' | 'dry-run';
  /** `not-connected`: refused for want of a working write key or token, before anything was sent. */
  /** `unknown`: the request went out and no answer came back (network, cancel): Segment may have applied it. */
  /** `partial`: some of a batch's messages were accepted, the rest refused or not accepted (the answer lists them). */
  outcome: 'sent' | 'partial' | 'failed' | 'unknown' | 'refused' | 'not-sent' | 'not-connected';
  status?: number;
  /** The stored connection a MANAGE_CONNECTIONS removal named (recorded whether or not arguments are). */
  connection?: string;
  messageIds?: string[];
  /** sha256 of messageIds joined by newlines, when the sender made it (see SendOutcome). */
  messageIdsSha256?: string;
  args?: unknown;
}

/** What a call leaves behind besides its answer: its write attempt (audited once) and warnings. */
interface Trail {
  write?: WriteEvent;
  warnings: string[];
}

/** Observes every write attempt (the audit log); must never throw into the call. */
export type WriteObserver = (event: WriteEvent) => void;

export interface ExecutorDeps {
  registry: Registry;
  config: RuntimeConfig;
  connections: ConnectionService;
  http: HttpClient;
  log: Logger;
  redactor: Redactor;
  onWrite?: WriteObserver;
  /** Data-quality checks handed to tracking tools (src/quality). */
  quality?: TrackingQuality;
}

const fail = (error: ToolError, slug?: string): ExecutionResult => ({ successful: false, ...(slug ? { tool_slug: slug } : {}), error });

/**
 * The single execution path: resolve -> validate -> (dry run) -> policy (deny) -> connection -> policy (ask) -> send.
 * Nothing reaches Segment without passing every step, whatever surface the call came from.
 */
export class Executor {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly deps: ExecutorDeps) {}

  async execute(req: ExecuteRequest, hooks: SurfaceHooks = {}): Promise<ExecutionResult> {
    const call = this.guarded(req, hooks);
    this.inflight.add(call);
    try {
      const result = await call;
      return truncateResult(result, req.maxAnswerBytes ?? this.deps.config.limits.maxAnswerBytes, () => this.deps.registry.pageCountMax(result.tool_slug));
    } finally {
      this.inflight.delete(call);
    }
  }

  /** Waits (at most `timeoutMs`) for running calls to finish, so shutdown does not cut an audit line. */
  async settle(timeoutMs: number): Promise<void> {
    if (!this.inflight.size) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  private async guarded(req: ExecuteRequest, hooks: SurfaceHooks): Promise<ExecutionResult> {
    const trail: Trail = { warnings: [] };
    let result: ExecutionResult;
    try {
      result = await this.run(req, hooks, trail);
    } catch (err) {
      // A bug, not a user mistake: report it as a tool error and keep serving.
      this.deps.log.error('tool execution failed unexpectedly', { slug: slugPreview(req.slug), error: String(err) });
      result = fail({ kind: 'internal', message: `Internal error while running ${slugPreview(req.slug)}: ${(err as Error).message}`, hint: 'This is a bug in segment-router; the call may be retried once. Please report it.' }, slugPreview(req.slug));
    }
    this.audit(trail.write);
    if (trail.warnings.length) result = { ...result, warnings: trail.warnings };
    try {
      return this.deps.redactor.value(result);
    } catch (err) {
      // An answer JSON cannot write (nested past what a walk of it can go): said, never thrown into the surface.
      this.deps.log.error('answer could not be handed over', { slug: slugPreview(req.slug), error: String(err) });
      const done = result.successful && this.deps.registry.get(result.tool_slug ?? '')?.access !== 'read' ? ' The call itself went through: do not repeat it; check with the matching get or list tool.' : '';
      return this.deps.redactor.value(fail({ kind: 'internal', message: `The answer of ${slugPreview(req.slug)} could not be handed over: ${(err as Error).message}.${done}`, hint: 'The answer nests too deeply or holds values JSON cannot carry; ask for less (a get of one object), or report it.' }, slugPreview(req.slug)));
    }
  }

  /** The one place a write attempt is recorded, once per call, whichever way the call ended. */
  private audit(event: WriteEvent | undefined): void {
    if (!event || event.access === 'read') return;
    try {
      this.deps.onWrite?.(event);
    } catch (err) {
      this.deps.log.warn('write observer failed', { error: String(err) });
    }
  }

  /**
   * Why a call of `tool` cannot go for want of a working write key or token (the error the call would
   * answer), or undefined when it can. RUN_SCRIPT asks it of a script's planned writes before asking the
   * user to confirm them.
   */
  async connectionError(tool: ToolDefinition): Promise<ToolError | undefined> {
    if (tool.connection === 'optional') return undefined;
    const capability = capabilityOf(tool.api);
    const ready = await this.deps.connections.readiness(capability);
    if (ready.ready) return undefined;
    return {
      kind: 'not_connected',
      message: `${tool.slug} needs the Segment ${capability === 'tracking' ? 'write key' : 'Public API token'}: ${ready.capability.detail}`,
      hint: ready.status.instruction ?? hintsFor(this.deps.config.surface, this.deps.config.toolNames).checkConnection(),
      details: { connection: ready.status },
    };
  }

  private async run(req: ExecuteRequest, hooks: SurfaceHooks, trail: Trail): Promise<ExecutionResult> {
    const { registry, config, connections } = this.deps;
    // Hints speak to whoever reads the answer: an agent (MCP) or a person at the command line.
    const hints = hintsFor(config.surface, config.toolNames);
    const resolved = registry.resolve(req.slug);
    if (!resolved.ok) {
      if (resolved.tooLong) {
        const problem = `is ${countText(resolved.tooLong.length)} characters; a slug is at most ${resolved.tooLong.limit}`;
        return fail({ kind: 'validation', message: `tool_slug ${problem}. Nothing was run.`, hint: 'Pass a slug such as SEGMENT_TRACK; SEARCH_TOOLS finds the right one.', details: { issues: [{ field: 'tool_slug', problem }] } });
      }
      const left = resolved.outOfScope;
      if (left) {
        return fail({
          kind: 'unknown_tool',
          message: `${left.slug} is left out of this ${config.surface === 'cli' ? 'command' : 'server'}'s scope (it is in the "${left.toolset}" toolset; --toolsets / --tools name what is in). Nothing was run.`,
          hint: config.surface === 'cli' ? `Add --toolsets ${left.toolset} (or --tools ${left.slug}), or leave out --toolsets and --tools.` : `This server was started without the "${left.toolset}" toolset: ask the user to add it (--toolsets ${left.toolset}) if the task needs ${left.slug}.`,
          details: { suggestions: resolved.suggestions },
        });
      }
      const meta = metaToolNamed(req.slug);
      if (meta) {
        const own = config.surface === 'cli' ? "the router's own tools" : "this server's own tools";
        return fail({ kind: 'unknown_tool', message: `${meta} is one of ${own}, not a Segment tool: it is not run through a tool call. Nothing was run.`, hint: hints.metaTool(meta) });
      }
      return fail({
        kind: 'unknown_tool',
        message: `No tool "${req.slug}" in this server's scope.`,
        hint: hints.unknownTool(resolved.suggestions),
        details: { suggestions: resolved.suggestions },
      });
    }
    const tool = resolved.tool;

    const args = parseArguments(req.arguments, hints.argumentsNotJson());
    if ('error' in args) return fail(args.error, tool.slug);
    // Depth, non-finite numbers and broken Unicode are decided first: nothing below may trip on them.
    const values = checkArgumentValues(args.value);
    if (values.error) return fail(values.error, tool.slug);
    trail.warnings.push(...values.warnings);
    // Arguments given as a string are measured by their length; a tool that measures its own size spares a second serialisation.
    const tooLarge = tool.measuresOwnSize && typeof req.arguments !== 'string' ? undefined : checkArgumentsSize(req.arguments, args.value, config.limits.maxArgumentsBytes);
    if (tooLarge) return fail(tooLarge, tool.slug);
    const parsed = checkSchema(tool, args.value);
    if (!parsed.success) {
      // A misspelt top-level argument is compared with the tool's own ("propertes": did you mean "properties"?).
      const issues = explainIssues(parsed.error.issues, args.value, (path) => (path.length ? undefined : tool.paramNames));
      return fail({
        kind: 'validation',
        message: `Invalid arguments for ${tool.slug}: ${formatIssues(issues)}.`,
        hint: hints.invalidArguments(tool.slug),
        details: { issues: issueList(issues) },
      }, tool.slug);
    }

    const credentials = await connections.credentials();
    const decision = decide(tool, config);
    const context = { config, credentials, quality: this.deps.quality };

    let prepared;
    try {
      prepared = tool.prepare(tool.preparesGiven ? args.value : parsed.data, context);
    } catch (err) {
      if (!(err instanceof ArgumentsError)) throw err;
      return {
        ...fail({ kind: 'validation', message: err.message, hint: err.hint ?? hints.fixArguments(tool.slug), details: { issues: err.issues } }, tool.slug),
        ...(err.data !== undefined ? { data: err.data } : {}),
      };
    }

    if (req.dryRun) {
      trail.write = { slug: tool.slug, access: tool.access, decision: 'dry-run', outcome: 'not-sent' };
      const data = {
        dry_run: true,
        sent: false,
        requests: prepared.requests.map(maskRequest),
        ...(prepared.notes ? { notes: prepared.notes } : {}),
        policy: decision.action === 'deny' ? `would be refused: ${decision.reason}` : decision.action === 'ask' ? 'would ask the user to confirm' : 'would run',
        ...(resolved.via ? { resolved_from: resolved.via.slug } : {}),
      };
      trail.warnings.push(...(prepared.warnings ?? []));
      return { successful: true, tool_slug: tool.slug, data };
    }

    // A refused write is refused whatever the connection: the agent is not sent to connect for nothing.
    if (decision.action === 'deny') {
      trail.write = { slug: tool.slug, access: tool.access, decision: 'deny', outcome: 'refused' };
      return fail({ kind: 'policy', message: `Refused: ${decision.reason} Nothing was sent.`, hint: decision.hint }, tool.slug);
    }

    const unready = await this.connectionError(tool);
    if (unready) {
      // Nobody is asked to confirm a write that cannot go.
      trail.write = { slug: tool.slug, access: tool.access, decision: decision.action === 'ask' ? 'ask' : 'allow', outcome: 'not-connected' };
      return fail(unready, tool.slug);
    }

    if (decision.action === 'ask') {
      const summary = summarizeCall(tool, parsed.data as Record<string, unknown>, prepared.requests[0], (t) => this.deps.redactor.text(t));
      const withdrawn = hooks.stop && hooks.signal ? AbortSignal.any([hooks.stop, hooks.signal]) : (hooks.stop ?? hooks.signal);
      const answer = hooks.confirm
        ? await hooks.confirm(summary, withdrawn)
        : { confirmed: false as const, reason: 'this client cannot ask the user', unsupported: true };
      if (!answer.confirmed) {
        trail.write = { slug: tool.slug, access: tool.access, decision: 'ask-declined', outcome: 'refused' };
        return fail({
          kind: 'policy',
          message: `Not sent: ${tool.slug} needs the user's confirmation (--write=ask) and ${answer.reason}.`,
          hint: answer.unsupported ? hints.cannotAsk() : hints.declined(),
        }, tool.slug);
      }
    }

    // Not the request count: a batch packs its requests as it sends them, and counting them here would check every message first.
    this.deps.log.debug('sending', { slug: tool.slug, decision: decision.action });
    // Recorded as failed until the outcome says otherwise: a send that throws is still an attempt.
    const attempt: WriteEvent = { slug: tool.slug, access: tool.access, decision: decision.action === 'ask' ? 'ask-confirmed' : 'allow', outcome: 'failed', args: parsed.data };
    trail.write = attempt;
    const redact = (text: string) => this.deps.redactor.upstream(text);
    const outcome = await tool.send(prepared, { ...context, http: this.deps.http, log: this.deps.log, redact, progress: hooks.progress, signal: hooks.signal, stop: hooks.stop, ...(hooks.receipts ? { receipts: hooks.receipts } : {}), ...(hooks.answerWithinMs !== undefined ? { deadline: Date.now() + hooks.answerWithinMs } : {}), ...(req.slot !== undefined ? { slot: req.slot } : {}) });
    this.deps.log.debug('sent', { slug: tool.slug, ok: outcome.ok, status: outcome.status });
    const capability = capabilityOf(tool.api);
    if (outcome.status === 401 || outcome.status === 403) await connections.reportAuthFailure(capability, outcome.status);
    else if (outcome.ok) connections.reportSuccess?.(capability);
    Object.assign(attempt, { outcome: outcome.ok || outcome.applied ? 'sent' : outcome.maybeSent ? 'unknown' : outcome.error?.kind === 'partial' ? 'partial' : 'failed', status: outcome.status, messageIds: outcome.messageIds, messageIdsSha256: outcome.messageIdsSha256 });
    if (outcome.warnings) trail.warnings.push(...outcome.warnings);
    return {
      successful: outcome.ok,
      tool_slug: tool.slug,
      ...(outcome.data !== undefined ? { data: outcome.data } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    };
  }
}

/** Agents sometimes send arguments as a JSON string; accept it, and say clearly when it is not JSON. */
function parseArguments(raw: unknown, hint: string): { value: unknown } | { error: ToolError } {
  if (raw === undefined || raw === null) return { value: {} };
  if (typeof raw !== 'string') return { value: raw };
  try {
    return { value: parseJsonText(raw) };
  } catch (err) {
    return { error: { kind: 'validation', message: `"arguments" is a string but not valid JSON: ${jsonErrorReason(err)}.`, hint } };
  }
}
