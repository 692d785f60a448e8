import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../app.js';
import { buildSearchAnswer } from '../search/answer.js';
import { toolResult } from './result.js';

export const MAX_QUERIES = 10;

const inputSchema = {
  queries: z
    .array(
      z.object({
        use_case: z.string().min(1).max(1000).describe('What you want done in Segment, in plain words, e.g. "record that a user completed an order".'),
        known_fields: z.string().max(1000).optional().describe('Values you already have, as "name:value" pairs separated by commas, e.g. "sourceId:src_1, userId:42"; tools taking those fields rank higher.'),
      }),
    )
    .min(1)
    .max(MAX_QUERIES)
    .describe('One entry per task; each is answered on its own.'),
  limit: z.number().int().min(1).max(10).optional().describe('Most primary tools per query (default 5).'),
};

const outputSchema = {
  results: z.array(
    z.object({
      use_case: z.string(),
      primary_tool_slugs: z.array(z.string()),
      related_tool_slugs: z.array(z.string()),
      note: z.string().optional(),
    }),
  ),
  tool_schemas: z.record(z.string(), z.looseObject({ title: z.string(), description: z.string(), access: z.string(), input_schema: z.record(z.string(), z.unknown()), pitfalls: z.array(z.string()) })),
  toolkit_connection_statuses: z.array(z.looseObject({ toolkit: z.string(), status: z.string() })),
};

export function registerSearchTools(server: McpServer, app: App): void {
  server.registerTool(
    'SEARCH_TOOLS',
    {
      title: 'Find Segment tools for a task',
      description:
        'Start here. Describe each task in plain words; get the best Segment tool slugs (best first), related tools, each tool\'s input schema, access (read/write/destructive), pitfalls, whether the write policy blocks it, and whether the Segment connection is ready. Then run a tool with EXECUTE_TOOL.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ queries, limit }) => toolResult({ ...(await buildSearchAnswer(app, queries, limit ?? 5)) }),
  );
}
