import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { App } from '../app.js';
import { registerExecuteTool } from '../meta/execute-tool.js';
import { registerManageConnections } from '../meta/manage-connections.js';
import { registerSearchTools } from '../meta/search-tools.js';
import { VERSION } from '../version.js';

const INSTRUCTIONS = `segment-router gives access to Segment (customer data platform) through three tools.
1. MANAGE_CONNECTIONS: check that Segment is ACTIVE; if not, follow its instruction.
2. SEARCH_TOOLS: describe the task in plain words; read the returned slugs, input schemas and pitfalls.
3. EXECUTE_TOOL: run a slug with JSON arguments (dry_run to preview). Writes follow the server's write policy.`;

/** The MCP server: three meta tools over one App (registry, policy, executor, connections). */
export function createServer(app: App): McpServer {
  const server = new McpServer(
    { name: 'segment-router', title: 'Segment router', version: VERSION },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  registerSearchTools(server, app);
  registerManageConnections(server, app);
  registerExecuteTool(server, app);
  return server;
}
