import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../app.js';
import { buildSearchAnswer, SEARCH_LIMITS } from './search-answer.js';
import { toolResult } from './result.js';


const inputSchema = {
  queries: z
    .array(
      z.object({
        use_case: z.string().min(1).max(1000).describe('The task in plain words, or a slug.'),
        known_fields: z.string().max(1000).optional().describe('Values you have, e.g. "sourceId:src_1, userId:42"; tools taking them rank higher.'),
      }),
    )
    .min(1)
    .max(SEARCH_LIMITS.queries)
    .describe('One per task, each answered on its own.'),
  limit: z.number().int().min(1).max(SEARCH_LIMITS.maxPerQuery).optional().describe(`Most primary tools per query (default ${SEARCH_LIMITS.perQuery}).`),
  full_schema: z.boolean().optional().describe('Complete input schemas instead of compact ones.'),
  explain: z.boolean().optional().describe('Also say how each request was read and why each tool ranked where it did.'),
};

// Loose on purpose: tools/list carries this schema into every agent's context; the description says the shape.
const outputSchema = {
  results: z.array(z.looseObject({})),
  tool_schemas: z.looseObject({}),
  toolkit_connection_statuses: z.array(z.looseObject({})),
};

export function registerSearchTools(server: McpServer, app: App): void {
  // On stdio the index is loaded when initialize arrives (server/stdio.ts). Other transports load it once
  // the client has initialized, not on the first request; unref: a process that exits early is not held.
  // Search loads it itself otherwise (a no-op when it is loaded).
  const initialized = server.server.oninitialized;
  server.server.oninitialized = () => {
    initialized?.();
    setImmediate(() => app.search.warm()).unref();
  };
  server.registerTool(
    'SEARCH_TOOLS',
    {
      title: 'Find Segment tools for a task',
      description:
        'Start here. Describe each task in plain words. Per task: tool slugs, best first (primary_tool_slugs), the calls to make in order (recommended_plan_steps: lookups for ids you lack, then the tool) and tools often needed with them (related_tool_slugs). tool_schemas gives each primary its input schema, access, pitfalls and whether the write policy blocks it. Also says if the connection is ready. Then run a tool with EXECUTE_TOOL.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ queries, limit, full_schema, explain }) => toolResult({ ...(await buildSearchAnswer(app, queries, { limit, fullSchema: full_schema, explain })) }),
  );
}
