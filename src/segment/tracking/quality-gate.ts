import type { MessageGate, QualityReport } from '../../quality/checker.js';
import type { Finding } from '../../quality/types.js';
import type { PrepareContext } from '../../registry/types.js';
import { LIBRARY } from './message.js';

/**
 * Where tracking messages meet the data-quality checks (src/quality). Every packer of messages
 * (single calls, batches, and the calls built on them) opens one gate per call and passes each
 * message, as it will be sent, through `screen`; nothing else in the delivery path knows the checks.
 */

const targetOf = ({ credentials, config }: PrepareContext) => ({ region: credentials.region ?? config.region, writeKey: credentials.writeKey, token: credentials.token });

/** The gate for this call: the plan as cached now, never a wait. Undefined when the checks are off. */
export function openGate(ctx: PrepareContext): MessageGate | undefined {
  if (!ctx.quality || ctx.quality.settings.mode === 'off') return undefined;
  return ctx.quality.gate(targetOf(ctx));
}

/**
 * Called when tracking data is really sent (past the write policy, not a dry run): loads or refreshes
 * the plan in the background for the calls that follow. Preparing a call never touches the network.
 */
export function keepPlanFresh(ctx: PrepareContext): void {
  ctx.quality?.warm(targetOf(ctx));
}

/**
 * A message as it goes out: the sender fills in messageId, timestamp and context.library when sending,
 * so a plan rule that asks for them sees them here too (SEGMENT_VALIDATE_EVENTS checks the same view).
 * Built with Object.assign: an object literal that spreads the message and then sets a key it already
 * has (context) turns into a slow dictionary object, which cost more than all the checks together.
 */
export function asSent(message: Record<string, unknown>, now: string, assignedId: string): Record<string, unknown> {
  const context = (message.context as Record<string, unknown> | undefined) ?? {};
  // The context by spreading: Object.assign would make a "__proto__" member (sent as a member) the copy's prototype.
  const filled = { messageId: message.messageId ?? assignedId, timestamp: message.timestamp ?? now, context: context.library ? context : { ...context, library: LIBRARY } };
  return Object.assign({}, message, filled);
}

/** What the sender will fill in: the call's default timestamp and its id prefix (`<prefix><index>`). */
export interface Filling {
  now: string;
  idPrefix: string;
}

/** Why a message is kept back (block mode, errors found), or undefined when it may be sent. */
export function screen(gate: MessageGate | undefined, index: number, type: string, message: Record<string, unknown>, filling: Filling, fieldPrefix = ''): { reason: string; issues: { field: string; problem: string }[] } | undefined {
  if (!gate) return undefined;
  // Only a plan rule can look at the filled-in fields: otherwise the message is read as given, at no extra cost.
  const view = gate.needsAsSent ? asSent(message, filling.now, filling.idPrefix + index) : message;
  const errors: Finding[] = gate.check(index, type, view);
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
