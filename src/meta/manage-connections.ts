import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../app.js';
import { toolResult } from './result.js';

const inputSchema = {
  toolkits: z.array(z.string()).optional().describe('Toolkits to report; this server has one: "segment" (the default).'),
  action: z.enum(['status', 'verify']).optional().describe('status (default): the current state, cheap. verify: check the credentials against Segment now.'),
};

const outputSchema = {
  results: z.array(z.looseObject({ toolkit: z.string(), status: z.string(), instruction: z.string().optional() })),
};

export function registerManageConnections(server: McpServer, app: App): void {
  server.registerTool(
    'MANAGE_CONNECTIONS',
    {
      title: 'Check the Segment connection',
      description:
        'Reports whether Segment credentials are ready: status ACTIVE, or what is missing or refused, per capability (tracking = write key, public_api = Public API token), the workspace the token acts for, and an instruction saying what to do. Call it before running tools; secrets are never shown.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ toolkits, action }) => {
      const unknown = (toolkits ?? []).filter((t) => t.toLowerCase() !== 'segment');
      if (unknown.length) {
        return toolResult({ results: [], error: { kind: 'validation', message: `Unknown toolkit ${unknown.map((t) => `"${t}"`).join(', ')}: this server manages only "segment".`, hint: 'Call again with toolkits: ["segment"] or without toolkits.' } }, true);
      }
      const status = await app.connections.status({ verify: action === 'verify' });
      return toolResult({ results: [status] });
    },
  );
}
