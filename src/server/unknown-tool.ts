import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, type CallToolRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from '../registry/registry.js';
import { cutText } from '../security/snippet.js';
import { installed } from './tasks.js';

/**
 * A tools/call of a name the server does not list. The SDK answers `Tool <name> not found`, echoing the
 * name whole and saying nothing of what to do. Agents often call a Segment slug (SEGMENT_TRACK) as if it
 * were an MCP tool: the answer says to run it through EXECUTE_TOOL; any other name gets the list of tools.
 */
export function unknownToolText(name: string, registry: Registry, tools: readonly string[]): string {
  const resolved = registry.resolve(name);
  if (resolved.ok) {
    const slug = resolved.tool.slug;
    return `${slug} is a Segment tool, not one of this server's MCP tools: run it through EXECUTE_TOOL with {"tool_slug":"${slug}","arguments":{...}} (SEARCH_TOOLS gives its input schema). Nothing was run.`;
  }
  return `Unknown tool "${cutText(name, 100)}": this server's tools are ${tools.join(', ')}. Describe the task to SEARCH_TOOLS to find the Segment tool to run with EXECUTE_TOOL. Nothing was run.`;
}

/** Call after the meta tools are registered (`tools`: their names), before tasks wrap tools/call. */
export function guideUnknownTools(server: McpServer, registry: Registry, tools: readonly string[]): void {
  const call = installed(server, 'tools/call');
  server.server.setRequestHandler(CallToolRequestSchema, async (request: CallToolRequest, extra) => {
    const result = (await call(request, extra)) as CallToolResult;
    const name = request.params.name;
    // The SDK's own answer for a name it does not know, recognised exactly: anything else passes as it is.
    const text = result.isError && result.content?.length === 1 && result.content[0]?.type === 'text' ? result.content[0].text : undefined;
    if (text !== `MCP error -32602: Tool ${name} not found`) return result;
    return { content: [{ type: 'text', text: unknownToolText(name, registry, tools) }], isError: true };
  });
}
