import { receiptsOf } from '../meta/answer-delivery.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../app.js';
import { mcpHooks } from '../meta/execute-tool.js';
import { answer, registerResultResources } from '../meta/large-result.js';
import { decide } from '../policy/write-policy.js';
import { MODEL_NAME_LIMIT, shortName } from '../registry/short-names.js';
import { directName, slugPreview } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';
import { MAX_KEPT_ANSWER_BYTES } from '../util/result-store.js';
import { annotationsFor } from './annotations.js';
import { protoKeyArguments } from './proto-keys.js';

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

/** A tool's direct-mode name under the configured style. */
export function nameFor(slug: string, style: App['config']['toolNames']): string {
  return style === 'short' ? shortName(slug) : directName(slug);
}

function toMcpTool(tool: ToolDefinition, name: string): Tool {
  const { $schema: _drop, ...inputSchema } = tool.inputJsonSchema();
  return {
    name,
    title: tool.title,
    description: describe(tool),
    inputSchema: inputSchema as Tool['inputSchema'],
    outputSchema: OUTPUT_SCHEMA,
    annotations: annotationsFor(tool),
  };
}

/**
 * The tools a direct-mode server lists: every tool in scope that the write policy would not refuse
 * outright (under --write=deny, no write tool is offered), and which tool each name stands for.
 * Built once per App: the HTTP transport builds a server per request and must not redo 200 JSON
 * Schemas each time.
 */
interface Listing {
  tools: Tool[];
  /** Every tool in scope by its direct name, listed or not (a refused write is still answered). */
  byName: Map<string, ToolDefinition>;
}
const listed = new WeakMap<App, Listing>();

function listing(app: App): Listing {
  let l = listed.get(app);
  if (!l) {
    const style = app.config.toolNames;
    const byName = new Map(app.registry.tools.map((t) => [nameFor(t.slug, style), t] as const));
    const tools = [...byName].filter(([, t]) => decide(t, app.config).action !== 'deny').map(([name, t]) => toMcpTool(t, name));
    l = { tools, byName };
    listed.set(app, l);
    // MCP allows 128 characters, but several model APIs refuse tool names over 64: say which, once.
    const long = tools.filter((t) => t.name.length > MODEL_NAME_LIMIT).map((t) => t.name);
    if (long.length) {
      app.log.warn(`${long.length} direct tool names are longer than ${MODEL_NAME_LIMIT} characters, which some model APIs refuse; --tool-names=short keeps every name within ${MODEL_NAME_LIMIT}`, { names: long });
    }
  }
  return l;
}

export function directTools(app: App): Tool[] {
  return listing(app).tools;
}

/** The tool a direct name stands for, by exact name only (search-style forgiveness is for EXECUTE_TOOL). */
function toolFor(app: App, name: string): ToolDefinition | undefined {
  return listing(app).byName.get(name);
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
    // Arguments holding a "__proto__" key come as the client wrote them: the SDK's copy lost the key.
    const args = protoKeyArguments(server.server.transport, extra.requestId, req.params.name) ?? req.params.arguments ?? {};
    const tool = toolFor(app, req.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${slugPreview(req.params.name)}". tools/list shows the tools this server offers.`);
    // A write tool hidden by the policy is still answered by the executor, which refuses it with the reason.
    const result = await app.executor.execute({ slug: tool.slug, arguments: args, maxAnswerBytes: MAX_KEPT_ANSWER_BYTES }, { ...mcpHooks(server, extra, app.config.retry.answerWithinMs), receipts: receiptsOf(server, extra) });
    // Over the inline limit: a preview plus a resource_link to the whole, as in meta mode.
    return answer(app, result as unknown as Record<string, unknown>, !result.successful, `${tool.slug} answer`);
  });
  registerResultResources(server, app);
}
