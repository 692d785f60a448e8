import type { ToolAlias, ToolDefinition } from '../../registry/types.js';

/** Public API tools; generated from the OpenAPI description (see scripts/). */
export function publicApiTools(): ToolDefinition[] {
  return [];
}

export const publicApiAliases: ToolAlias[] = [];
