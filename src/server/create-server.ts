import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { App } from '../app.js';
import { registerExecuteTool } from '../meta/execute-tool.js';
import { registerManageConnections } from '../meta/manage-connections.js';
import { registerRunScript } from '../meta/run-script.js';
import { registerResultResources } from '../meta/large-result.js';
import { registerSearchTools } from '../meta/search-tools.js';
import { META_TOOLS } from '../registry/slug.js';
import { VERSION } from '../version.js';
import { registerDirectTools } from './direct.js';
import { enableToolTasks, taskCapabilities, type RouterTaskStore } from './tasks.js';
import { guideUnknownTools } from './unknown-tool.js';

const INSTRUCTIONS = `segment-router gives access to Segment (customer data platform) through four tools.
1. MANAGE_CONNECTIONS: check that Segment is ACTIVE; if not, follow its instruction.
2. SEARCH_TOOLS: describe the task in plain words; read the returned slugs, input schemas and pitfalls.
3. EXECUTE_TOOL: run a slug with JSON arguments (dry_run to preview). Writes follow the server's write policy.
4. RUN_SCRIPT: for work over many resources (every source, every destination), one script of tool calls; only its result comes back.`;

const DIRECT_INSTRUCTIONS = `segment-router gives access to Segment (customer data platform): each tool is one Segment operation,
named integration__segment__<operation>. Writes follow the server's write policy; tools it refuses are not listed.`;

/** The meta tools registered below, as an unknown tool's answer lists them. */

/** meta: the four meta tools (default). direct: every tool in scope as its own MCP tool. */
export type ToolsMode = 'meta' | 'direct';

/**
 * The MCP server over one App (registry, policy, executor, connections); both modes share the executor.
 * With a task store (meta mode), EXECUTE_TOOL and RUN_SCRIPT may also run as MCP tasks (server/tasks.ts);
 * the store outlives the server when the transport makes a server per request (HTTP).
 */
export function createServer(app: App, mode: ToolsMode = 'meta', tasks?: RouterTaskStore): McpServer {
  const withTasks = mode === 'meta' && tasks !== undefined;
  const server = new McpServer(
    { name: 'segment-router', title: 'Segment router', version: VERSION },
    {
      capabilities: { logging: {}, ...(withTasks ? taskCapabilities(tasks) : {}) },
      instructions: mode === 'direct' ? DIRECT_INSTRUCTIONS : INSTRUCTIONS,
      ...(withTasks ? { taskStore: tasks } : {}),
    },
  );
  if (mode === 'direct') {
    registerDirectTools(server, app);
    return server;
  }
  registerSearchTools(server, app);
  registerManageConnections(server, app);
  registerExecuteTool(server, app);
  registerRunScript(server, app);
  registerResultResources(server, app);
  guideUnknownTools(server, app.registry, META_TOOLS);
  if (withTasks) enableToolTasks(server, tasks, (m) => app.log.warn(m));
  return server;
}
