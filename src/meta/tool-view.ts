import type { RuntimeConfig } from '../config/runtime.js';
import { blockedReason } from '../policy/write-policy.js';
import type { JsonSchema, ToolDefinition } from '../registry/types.js';
import { compactSchema } from './compact-schema.js';

export interface ToolView {
  title: string;
  description: string;
  access: ToolDefinition['access'];
  input_schema: JsonSchema;
  pitfalls: string[];
  /** Present when the write policy would refuse the tool now, with how to enable it. */
  blocked_by_policy?: string;
}

/** A related tool in brief: enough to decide whether to look it up (search its slug for the schema). */
export interface BriefView {
  title: string;
  access: ToolDefinition['access'];
  brief: true;
  blocked_by_policy?: string;
}

const compacted = new WeakMap<ToolDefinition, JsonSchema>();

/** What an agent needs to call a tool correctly, read from its registry entry. */
export function toolView(tool: ToolDefinition, config: RuntimeConfig, opts: { fullSchema?: boolean } = {}): ToolView {
  const blocked = blockedReason(tool, config);
  let schema = opts.fullSchema ? tool.inputJsonSchema() : compacted.get(tool);
  if (!schema) {
    schema = compactSchema(tool.inputJsonSchema());
    compacted.set(tool, schema);
  }
  return {
    title: tool.title,
    description: tool.description,
    access: tool.access,
    input_schema: schema,
    pitfalls: tool.pitfalls,
    ...(blocked ? { blocked_by_policy: blocked } : {}),
  };
}

export function briefView(tool: ToolDefinition, config: RuntimeConfig): BriefView {
  // Only the first sentence of the reason: the full view, when searched, says how to enable it.
  const blocked = firstSentence(blockedReason(tool, config));
  return { title: tool.title, access: tool.access, brief: true, ...(blocked ? { blocked_by_policy: blocked } : {}) };
}

/** The first sentence of a text (the reason, without the how-to that follows it). */
export function firstSentence(text: string): string;
export function firstSentence(text: string | undefined): string | undefined;
export function firstSentence(text: string | undefined): string | undefined {
  return text?.split(/(?<=\.) /)[0];
}
