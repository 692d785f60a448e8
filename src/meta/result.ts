import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool result as MCP clients expect it: structured content plus the same thing as text. */
export function toolResult(structured: Record<string, unknown>, isError = false): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
    ...(isError ? { isError: true } : {}),
  };
}
