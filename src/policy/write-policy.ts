import type { RuntimeConfig } from '../config/runtime.js';
import { hintsFor } from '../hints/hints.js';
import type { ToolDefinition } from '../registry/types.js';

/**
 * The write policy, in one place. It reads nothing but the tool's `access` and the operator's flags:
 * - read tools always run;
 * - destructive tools need --allow-destructive, and then follow the write policy;
 * - write tools: deny (default) refuses, ask confirms with the user, allow runs.
 */
export type PolicyDecision =
  | { action: 'allow' }
  | { action: 'ask' }
  | { action: 'deny'; reason: string; hint: string };

type PolicyConfig = Pick<RuntimeConfig, 'write' | 'allowDestructive' | 'surface' | 'toolNames'>;

export function decide(tool: ToolDefinition, config: PolicyConfig): PolicyDecision {
  if (tool.access === 'read') return { action: 'allow' };
  const hints = hintsFor(config.surface, config.toolNames);
  if (tool.access === 'destructive' && !config.allowDestructive) {
    return {
      action: 'deny',
      reason: `${tool.slug} is destructive (it deletes or revokes) and destructive tools are off.`,
      hint: hints.refusedDestructive(tool.slug),
    };
  }
  if (config.write === 'deny') {
    return {
      action: 'deny',
      reason: `${tool.slug} writes to Segment and the write policy is "deny".`,
      hint: hints.refusedWrite(tool.slug),
    };
  }
  return config.write === 'ask' ? { action: 'ask' } : { action: 'allow' };
}

/** What search shows next to a tool: why it would be refused now, if it would. */
export function blockedReason(tool: ToolDefinition, config: PolicyConfig): string | undefined {
  const d = decide(tool, config);
  return d.action === 'deny' ? `${d.reason} ${d.hint}` : undefined;
}

/** A plain summary of a call, for the person asked to confirm it. */
export interface CallSummary {
  slug: string;
  title: string;
  access: ToolDefinition['access'];
  summary: string;
  /** Where it goes: "Segment", or the host standing in for it (config/runtime.ts destinationOf). */
  destination: string;
}

export type ConfirmOutcome = { confirmed: true } | { confirmed: false; reason: string; unsupported?: boolean };

/**
 * How a surface asks its user: MCP elicitation, or a terminal prompt in the CLI. `signal`: the call was
 * stopped or cancelled while the question waits: it is withdrawn, and the answer is no.
 */
export type Confirmer = (call: CallSummary, signal?: AbortSignal) => Promise<ConfirmOutcome>;
