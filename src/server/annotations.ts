import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDefinition } from '../registry/types.js';

/**
 * MCP annotations read from the tool's `access` and nothing else, so they cannot drift from the
 * write policy. Every tool talks to Segment, an outside system: openWorldHint is always true.
 * Idempotence is claimed only for reads; a write may or may not be safe to repeat.
 */
export function annotationsFor(tool: ToolDefinition): ToolAnnotations {
  return {
    title: tool.title,
    readOnlyHint: tool.access === 'read',
    destructiveHint: tool.access === 'destructive',
    idempotentHint: tool.access === 'read',
    openWorldHint: true,
  };
}
