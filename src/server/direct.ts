import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../app.js';
import { mcpHooks } from '../meta/execute-tool.js';
import { toolResult } from '../meta/result.js';
import { decide } from '../policy/write-policy.js';
import { DIRECT_PREFIX, directName, slugPreview, slugTooLong } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';
import { annotationsFor } from './annotations.js';

/** Every direct tool answers with the executor's result shape. */
const OUTPUT_SCHEMA: Tool['outputSchema'] = {
  type: 'object',
  properties: {
    successful: { type: 'boolean' },
    tool_slug: { type: 'string' },
    data: {},
    error: {
      type: 'object',
      properties: { kind: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
      required: ['kind', 'message'],
    },
    warnings: { type: 'array', items: { type: 'string' } },
  },
  required: ['successful'],
};

function describe(tool: ToolDefinition): string {
  const pitfalls = tool.pitfalls.length ? `\nPitfalls:\n${tool.pitfalls.map((p) => `- ${p}`).join('\n')}` : '';
  return `${tool.description} (${tool.slug}, ${tool.access})${pitfalls}`;
}

function toMcpTool(tool: ToolDefinition): Tool {
  const { $schema: _drop, ...inputSchema } = tool.inputJsonSchema();
  return {
    name: directName(tool.slug),
    title: tool.title,
    description: describe(tool),
    inputSchema: inputSchema as Tool['inputSchema'],
    outputSchema: OUTPUT_SCHEMA,
    annotations: annotationsFor(tool),
  };
}

/**
 * The tools a direct-mode server lists: every tool in scope that the write policy would not refuse
 * outright (under --write=deny, no write tool is offered). Built once per App: the HTTP transport
 * builds a server per request and must not redo 200 JSON Schemas each time.
 */
const listed = new WeakMap<App, Tool[]>();
/** The tool-name limit of several model APIs (MCP's own is 128). */
const MODEL_NAME_LIMIT = 64;
export function directTools(app: App): Tool[] {
  let tools = listed.get(app);
  if (!tools) {
    tools = app.registry.tools.filter((t) => decide(t, app.config).action !== 'deny').map(toMcpTool);
    listed.set(app, tools);
    // MCP allows 128 characters, but several model APIs refuse tool names over 64: say which, once.
    const long = tools.filter((t) => t.name.length > MODEL_NAME_LIMIT).map((t) => t.name);
    if (long.length) {
      app.log.warn(`${long.length} direct tool names are longer than ${MODEL_NAME_LIMIT} characters, which some model APIs refuse; narrow the list with --toolsets or --tools if yours does`, { names: long });
    }
  }
  return tools;
}

/** The tool a direct name stands for, by exact name only (search-style forgiveness is for EXECUTE_TOOL). */
function toolFor(app: App, name: string): ToolDefinition | undefined {
  if (slugTooLong(name) || !name.startsWith(DIRECT_PREFIX)) return undefined;
  const tool = app.registry.get(name.slice(DIRECT_PREFIX.length).toUpperCase());
  return tool && directName(tool.slug) === name ? tool : undefined;
}

/**
 * Direct mode: one MCP tool per registry entry, named integration__segment__<slug>. The handlers are
 * set on the low-level server with ready JSON Schemas instead of McpServer.registerTool, which would
 * convert each zod schema again; the arguments are validated once, by the executor, like every call.
 */
export function registerDirectTools(server: McpServer, app: App): void {
  server.server.registerCapabilities({ tools: { listChanged: false } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: directTools(app) }));
  server.server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const tool = toolFor(app, req.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${slugPreview(req.params.name)}". tools/list shows the tools this server offers.`);
    // A write tool hidden by the policy is still answered by the executor, which refuses it with the reason.
    const result = await app.executor.execute({ slug: tool.slug, arguments: req.params.arguments ?? {} }, mcpHooks(server, extra));
    return toolResult(result as unknown as Record<string, unknown>, !result.successful);
  });
}
