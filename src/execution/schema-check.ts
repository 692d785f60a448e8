import type { ToolDefinition } from '../registry/types.js';
import { deferredOf } from '../util/deferred-list.js';

/**
 * The tool's schema over the arguments. A list the tool reads one element at a time itself
 * (`listsReadByTool`) and that is still unparsed (util/deferred-list.ts) is shown to the schema as a
 * list of the same length, so the schema's own check (its length) is made without parsing every
 * element into a copy that would live through the call; the tool then gets the list itself.
 */
export function checkSchema(tool: ToolDefinition, value: unknown): ReturnType<ReturnType<ToolDefinition['inputSchema']>['safeParse']> {
  const schema = tool.inputSchema();
  const fields = tool.listsReadByTool;
  if (!fields?.length || typeof value !== 'object' || value === null || Array.isArray(value)) return schema.safeParse(value);
  const args = value as Record<string, unknown>;
  const unread = fields.filter((f) => deferredOf(args[f])?.materialised === false);
  if (!unread.length) return schema.safeParse(value);
  const shown = { ...args };
  for (const f of unread) shown[f] = new Array((args[f] as unknown[]).length).fill(null);
  const parsed = schema.safeParse(shown);
  if (parsed.success) for (const f of unread) (parsed.data as Record<string, unknown>)[f] = args[f];
  return parsed;
}
