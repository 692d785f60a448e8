import { Findings } from './findings.js';
import { checkNaming } from './naming.js';
import { checkPii } from './pii.js';
import { checkPlan } from './plan.js';
import { PlanCache, type PlanCacheOptions, type PlanView } from './plan-cache.js';
import type { Finding, FindingKind, PlanStatus, PlanTarget, QualityMode, QualitySettings } from './types.js';

/**
 * The data-quality checks as the rest of the router sees them. The delivery path opens a gate per
 * call (`gate`, never waits) and passes each message through it; the validate tool and command use
 * `inspect`, which may wait for the plan. Both run the same three checks in the same order.
 */

/** Findings listed in an answer at most; the summary still counts every one. */
export const MAX_FINDINGS_LISTED = 200;

export interface FindingsSummary {
  total: number;
  errors: number;
  warnings: number;
  by_kind: Record<FindingKind, number>;
  /** Messages with at least one error (those block mode keeps back). */
  messages_with_errors: number;
  /** Set when the list was cut to MAX_FINDINGS_LISTED. */
  listed?: number;
}

/** What an answer carries about quality: the findings, their counts, and which plan applied. */
export interface QualityReport {
  mode: QualityMode;
  tracking_plan: PlanStatus;
  findings: Finding[];
  findings_summary: FindingsSummary;
}

function planStatus(view: PlanView): PlanStatus {
  if (!view.ok) return { status: 'unavailable', reason: view.reason, ...(view.noPlan ? { no_plan: true as const } : {}) };
  const { plan, skipped } = view.compiled;
  return { status: 'applied', id: plan.id, ...(plan.name ? { name: plan.name } : {}), source_id: plan.sourceId, rules: plan.rules.filter((r) => !r.deprecatedAt).length, ...(skipped.length ? { skipped_rules: skipped } : {}) };
}

const NONE: Finding[] = [];

/** Runs every check on one message; findings go to `out`. */
export function checkMessage(view: PlanView, settings: QualitySettings, index: number, type: string, message: Record<string, unknown>, out: Findings): void {
  if (view.ok) checkPlan(view.compiled, type, message, index, out);
  checkNaming(type, message, settings.naming, index, out);
  checkPii(type, message, index, out);
}

/** The per-call side of the checks: one plan view for the whole call, findings gathered as messages pass. */
export class MessageGate {
  private readonly found: Findings;
  private readonly errored = new Set<number>();

  constructor(
    private readonly view: PlanView,
    private readonly settings: QualitySettings,
  ) {
    // Block mode reports each kept-back message's errors: those are built whatever the limit.
    this.found = new Findings(MAX_FINDINGS_LISTED, settings.mode === 'block');
  }

  get mode(): QualityMode {
    return this.settings.mode;
  }

  /** Whether a tracking plan applies to this call. */
  get hasPlan(): boolean {
    return this.view.ok;
  }

  /** Whether messages must be checked as sent (messageId, timestamp, context.library filled in): only a plan rule can tell. */
  get needsAsSent(): boolean {
    return this.view.ok && this.view.compiled.seesFilledIn;
  }

  /**
   * Checks one message. Returns the errors that keep it back under block mode (an empty list when
   * it may be sent); every finding is counted for the answer either way.
   */
  check(index: number, type: string, message: Record<string, unknown>): Finding[] {
    if (this.settings.mode === 'off') return [];
    const found = this.found;
    const errorsBefore = found.errors;
    found.clearErrors();
    checkMessage(this.view, this.settings, index, type, message, found);
    if (found.errors === errorsBefore) return NONE;
    this.errored.add(index);
    return this.settings.mode === 'block' ? found.recentErrors.slice() : NONE;
  }

  /** The answer's quality part; undefined under mode off, so answers stay as they were. */
  report(): QualityReport | undefined {
    if (this.settings.mode === 'off') return undefined;
    return buildReport(this.settings.mode, this.view, this.found, this.errored.size);
  }
}

export function buildReport(mode: QualityMode, view: PlanView, found: Findings, messagesWithErrors: number): QualityReport {
  const { total, errors } = found;
  const listed = total > found.limit ? found.limit : undefined;
  return {
    mode,
    tracking_plan: planStatus(view),
    findings: found.listed.slice(),
    findings_summary: { total, errors, warnings: total - errors, by_kind: { ...found.byKind }, messages_with_errors: messagesWithErrors, ...(listed ? { listed } : {}) },
  };
}

export interface QualityOptions extends QualitySettings, Omit<PlanCacheOptions, 'now'> {
  now?: () => number;
}

export class TrackingQuality {
  private readonly cache: PlanCache;
  readonly settings: QualitySettings;

  constructor(opts: QualityOptions) {
    this.settings = { mode: opts.mode, naming: opts.naming };
    this.cache = new PlanCache(opts);
  }

  /** For sending: the plan as cached right now (no load: `warm` starts one). */
  gate(target: PlanTarget): MessageGate {
    if (this.settings.mode === 'off') return new MessageGate({ ok: false, reason: 'checks are off' }, this.settings);
    return new MessageGate(this.cache.peek(target), this.settings);
  }

  /** Starts loading (or refreshing) the plan in the background; sending calls it, so the next send finds it. */
  warm(target: PlanTarget): void {
    if (this.settings.mode !== 'off') this.cache.warm(target);
  }

  /** For checking without sending: waits for the plan (at most `timeoutMs`), whatever the mode. `limit` caps the findings listed. */
  async inspect(target: PlanTarget, messages: { type: string; message: Record<string, unknown> }[], timeoutMs: number, limit = MAX_FINDINGS_LISTED): Promise<QualityReport & { messages_checked: number }> {
    const view = await this.cache.get(target, timeoutMs);
    const found = new Findings(limit);
    let errored = 0;
    messages.forEach(({ type, message }, index) => {
      const before = found.errors;
      checkMessage(view, this.settings, index, type, message, found);
      if (found.errors > before) errored++;
    });
    return { ...buildReport(this.settings.mode, view, found, errored), messages_checked: messages.length };
  }

  close(): void {
    this.cache.close();
  }
}
