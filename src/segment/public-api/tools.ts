import { z } from 'zod';
import type { ToolAlias, ToolDefinition } from '../../registry/types.js';
import { operationIndex, operationInput, type OperationEntry } from './catalog.js';
import { prepareOperation } from './request.js';
import { sendOperation } from './send.js';

/**
 * Every Public API operation as a tool, from the generated table (scripts/generate-public-api.mjs).
 * The words come from scripts/public-api/words/; schemas are built from JSON Schema on first use.
 */
function publicTool(entry: OperationEntry): ToolDefinition {
  let schema: z.ZodType | undefined;
  return {
    slug: entry.slug,
    title: entry.title,
    description: entry.description,
    api: 'public',
    toolset: entry.toolset,
    access: entry.access,
    tags: entry.tags,
    useCases: entry.useCases,
    pitfalls: entry.pitfalls,
    related: entry.related,
    facts: entry.facts,
    paramNames: entry.paramNames,
    inputSchema: () => (schema ??= z.fromJSONSchema(operationInput(entry.operationId).inputSchema as Parameters<typeof z.fromJSONSchema>[0])),
    inputJsonSchema: () => operationInput(entry.operationId).inputSchema,
    prepare: (args, ctx) => prepareOperation(entry, operationInput(entry.operationId).plan, args as Record<string, unknown>, ctx),
    send: (call, ctx) => sendOperation(call, ctx),
  };
}

export function publicApiTools(): ToolDefinition[] {
  return operationIndex().operations.map(publicTool);
}

/** Names agents already use for some operations. */
export const publicApiAliases: ToolAlias[] = [
  {
    slug: 'SEGMENT_REMOVE_SOURCE_WRITE_KEY',
    target: 'SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE',
    note: 'Another name for removing (revoking) one write key of a source.',
  },
  {
    slug: 'SEGMENT_GET_CURRENT_USER',
    target: 'SEGMENT_GET_WORKSPACE',
    note: 'The Public API has no current-user operation. The token check is getWorkspace: it names the workspace the token acts for (id, slug, name), not a person.',
  },
];
