import type { MessageGate, QualityReport } from '../../quality/checker.js';
import type { Finding } from '../../quality/types.js';
import type { PrepareContext } from '../../registry/types.js';

/**
 * Where tracking messages meet the data-quality checks (src/quality). Every packer of messages
 * (single calls, batches, and the calls built on them) opens one gate per call and passes each
 * message, as it will be sent, through `screen`; nothing else in the delivery path knows the checks.
 */

/** The gate for this call: the plan as cached now, never a wait. Undefined when the checks are off. */
export function openGate(ctx: PrepareContext): MessageGate | undefined {
  if (!ctx.quality || ctx.quality.settings.mode === 'off') return undefined;
  const { credentials, config } = ctx;
  return ctx.quality.gate({ region: credentials.region ?? config.region, writeKey: credentials.writeKey, token: credentials.token });
}

/** Why a message is kept back (block mode, errors found), or undefined when it may be sent. */
export function screen(gate: MessageGate | undefined, index: number, type: string, message: Record<string, unknown>, fieldPrefix = ''): { reason: string; issues: { field: string; problem: string }[] } | undefined {
  if (!gate) return undefined;
  const errors: Finding[] = gate.check(index, type, message);
  if (!errors.length) return undefined;
  return {
    reason: `breaks the tracking plan (--validate=block): ${errors.slice(0, 3).map((f) => f.message).join('; ')}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`,
    issues: errors.map((f) => ({ field: `${fieldPrefix}${f.field ?? '(message)'}`, problem: f.message })),
  };
}

/** The answer's quality fields: `validate` (the mode), `tracking_plan`, `findings`, `findings_summary`. */
export function qualityFields(report: QualityReport | undefined): Record<string, unknown> {
  if (!report) return {};
  const { mode, ...rest } = report;
  return { validate: mode, ...rest };
}
