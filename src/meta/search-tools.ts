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
        use_case: z.string().min(1).max(1000).describe('The task in plain words, e.g. "record that a user completed an order", or a slug.'),
        known_fields: z.string().max(1000).optional().describe('Values you already have, "name:value" comma-separated, e.g. "sourceId:src_1"; tools taking them rank higher.'),
      }),
    )
    .min(1)
    .max(MAX_QUERIES)
    .describe('One entry per task; each is answered on its own.'),
  limit: z.number().int().min(1).max(10).optional().describe('Most primary tools per query (default 5).'),
  full_schema: z.boolean().optional().describe('Return complete input schemas instead of the compact ones.'),
};

// Kept loose on purpose: tools/list carries this schema into every agent's context.
const outputSchema = {
  results: z.array(z.object({ use_case: z.string(), primary_tool_slugs: z.array(z.string()), related_tool_slugs: z.array(z.string()), note: z.string().optional() })),
  tool_schemas: z.looseObject({}),
  toolkit_connection_statuses: z.array(z.looseObject({})),
};

export function registerSearchTools(server: McpServer, app: App): void {
  server.registerTool(
    'SEARCH_TOOLS',
    {
      title: 'Find Segment tools for a task',
      description:
        'Start here. Describe each task in plain words; get the best Segment tool slugs (best first) with input schema, access (read/write/destructive), pitfalls and whether the write policy blocks them; related tools in brief (search a slug for its full entry); and whether the Segment connection is ready. Then run a tool with EXECUTE_TOOL.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ queries, limit, full_schema }) => toolResult({ ...(await buildSearchAnswer(app, queries, { limit: limit ?? 5, fullSchema: full_schema })) }),
  );
}
