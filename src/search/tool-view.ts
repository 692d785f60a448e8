import type { RuntimeConfig } from '../config/runtime.js';
import { blockedReason } from '../policy/write-policy.js';
import type { JsonSchema, ToolDefinition } from '../registry/types.js';

export interface ToolView {
  title: string;
  description: string;
  access: ToolDefinition['access'];
  input_schema: JsonSchema;
  pitfalls: string[];
  /** Present when the write policy would refuse the tool now, with how to enable it. */
  blocked_by_policy?: string;
}

/** What an agent needs to call a tool correctly, read from its registry entry. */
export function toolView(tool: ToolDefinition, config: RuntimeConfig): ToolView {
  const blocked = blockedReason(tool, config);
  return {
    title: tool.title,
    description: tool.description,
    access: tool.access,
    input_schema: tool.inputJsonSchema(),
    pitfalls: tool.pitfalls,
    ...(blocked ? { blocked_by_policy: blocked } : {}),
  };
}
