import { z } from 'zod';
import { issueList, formatIssues } from '../../registry/arguments.js';
import type { PreparedCall, SendContext, SendOutcome, ToolDefinition } from '../../registry/types.js';
import { asSent, qualityFields } from './quality-gate.js';
import { MAX_BATCH_ITEMS_PER_CALL, validateBatchItem } from './schemas.js';

/**
 * SEGMENT_VALIDATE_EVENTS: the checks of the delivery path (tracking plan, naming, PII) on messages
 * that are not sent. Read-only, so it runs under --write=deny; it works without credentials too
 * (naming and PII), and then says that no tracking plan was available.
 */

const schema = z.strictObject({
  messages: z
    .array(z.unknown())
    .min(1)
    .max(MAX_BATCH_ITEMS_PER_CALL)
    .describe('Messages as SEGMENT_BATCH takes them, each with "type" (identify|track|page|screen|group|alias) and that call\'s fields. Nothing is sent.'),
  source_id: z.string().min(1).max(200).optional().describe('Check against the tracking plan of this source (e.g. src_web) instead of the one of the connection\'s write key.'),
});

interface ValidateState {
  kind: 'validate';
  messages: { type: string; message: Record<string, unknown> }[];
  /** Positions in the call of the checked messages (invalid ones are left out). */
  positions: number[];
  invalid: { index: number; reason: string; issues: { field: string; problem: string }[] }[];
  sourceId?: string;
}

export type Checkable = { ok: true; type: string; message: Record<string, unknown> } | { ok: false; reason: string; issues: { field: string; problem: string }[] };

/**
 * One message made ready for the checks, as the delivery path would send it (messageId, timestamp,
 * context.library filled), or why the Tracking API's own rules refuse it. `where` prefixes issue paths.
 */
export function checkable(raw: unknown, index: number, now: string, where: (string | number)[] = ['messages', index]): Checkable {
  const parsed = validateBatchItem(raw);
  if (!parsed.success) {
    const issues = parsed.issues.map((i) => ({ ...i, path: [...where, ...i.path] }));
    return { ok: false, reason: formatIssues(issues), issues: issueList(issues) };
  }
  const message = asSent(parsed.data, now, `validate-${index}`);
  return { ok: true, type: String(message.type), message };
}

function prepare(args: z.infer<typeof schema>): PreparedCall {
  const now = new Date().toISOString();
  const state: ValidateState = { kind: 'validate', messages: [], positions: [], invalid: [], ...(args.source_id ? { sourceId: args.source_id } : {}) };
  args.messages.forEach((raw, index) => {
    const c = checkable(raw, index, now);
    if (!c.ok) {
      state.invalid.push({ index, reason: c.reason, issues: c.issues });
      return;
    }
    state.messages.push({ type: c.type, message: c.message });
    state.positions.push(index);
  });
  return { requests: [], notes: { messages: args.messages.length, invalid: state.invalid.length }, state };
}

async function send(call: PreparedCall, ctx: SendContext): Promise<SendOutcome> {
  const state = call.state as ValidateState;
  if (!ctx.quality) {
    return { ok: false, error: { kind: 'internal', message: 'The data-quality checks are not available in this server.', hint: 'This is a bug in segment-router; please report it.' } };
  }
  const target = { region: ctx.credentials.region ?? ctx.config.region, writeKey: ctx.credentials.writeKey, token: ctx.credentials.token, ...(state.sourceId ? { sourceId: state.sourceId } : {}) };
  const report = await ctx.quality.inspect(target, state.messages, ctx.config.requestTimeoutMs);
  // Findings name positions in the call, not in the list of valid messages.
  const findings = report.findings.map((f) => ({ ...f, index: state.positions[f.index] ?? f.index }));
  const { messages_checked, ...rest } = report;
  return {
    ok: true,
    data: {
      sent: false,
      messages: state.messages.length + state.invalid.length,
      messages_checked,
      ...qualityFields({ ...rest, findings }),
      ...(state.invalid.length ? { invalid_messages: state.invalid } : {}),
      note: state.invalid.length
        ? 'Messages in invalid_messages break the Tracking API\'s own rules and would be rejected before sending; the checks ran on the others.'
        : 'Nothing was sent. Tracking calls are checked the same way when sent: "validate" is this server\'s mode (warn sends and reports, block keeps back messages with errors, off skips the checks).',
    },
  };
}

export const validateEventsTool: ToolDefinition = {
  slug: 'SEGMENT_VALIDATE_EVENTS',
  title: 'Check events against the tracking plan',
  description:
    'Check tracking messages without sending them: against the tracking plan connected to the source (Protocols rules: required properties, types, allowed values), Segment\'s naming conventions ("Order Completed", snake_case keys) and personal data in properties (emails, phone numbers, card numbers, national ids). Returns findings by message index with a fix; read-only.',
  // It reads the plan through the Public API and sends nothing to the Tracking API.
  api: 'public',
  toolset: 'tracking',
  access: 'read',
  connection: 'optional',
  facts: { operation: 'validate', object: 'tracking events against the tracking plan, naming and personal data', needs: [], yields: [] },
  tags: ['validate', 'tracking plan', 'protocols', 'data quality', 'lint', 'naming convention', 'pii', 'violations'],
  useCases: [
    'check these events against our tracking plan',
    'validate events against the tracking plan without sending them',
    'would these track calls violate the protocols tracking plan',
    'lint event names and property keys for naming conventions',
    'find pii like card numbers or ssn in event properties',
    'check that an event payload has the properties the tracking plan requires',
    'are our identify traits snake_case',
    'test a file of events for tracking plan violations',
    'does this Order Completed payload match the tracking plan',
    'audit our instrumentation for data quality problems',
  ],
  pitfalls: [
    'Nothing is sent: use SEGMENT_TRACK or SEGMENT_BATCH to send once the findings are fixed.',
    'The plan is the one connected to the write key\'s source (needs a Public API token that can read sources); pass source_id to pick another source.',
    'Without a token or a connected plan, tracking_plan says why and only naming and PII are checked.',
    'Sending checks the same way: warn (default) sends and reports findings, block keeps back messages with plan errors.',
  ],
  related: ['SEGMENT_BATCH', 'SEGMENT_TRACK', 'SEGMENT_LIST_RULES_FROM_TRACKING_PLAN', 'SEGMENT_UPDATE_RULES_IN_TRACKING_PLAN'],
  example: { messages: [{ type: 'track', userId: 'u1', event: 'order completed', properties: { Email: 'ann@example.com' } }] },
  paramNames: Object.keys(schema.shape),
  inputSchema: () => schema,
  inputJsonSchema: (() => {
    let json: Record<string, unknown> | undefined;
    return () => (json ??= z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>);
  })(),
  summarize: (a) => `check ${(a.messages as unknown[]).length} messages (nothing is sent)`,
  prepare: (args) => prepare(args as z.infer<typeof schema>),
  send,
};
