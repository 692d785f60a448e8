import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../app.js';
import type { ExecutionResult } from '../execution/executor.js';
import { truncateResult } from '../execution/truncate.js';
import { toolResult } from './result.js';
import { RESULT_URI_PREFIX } from '../util/result-store.js';
import { countText } from '../util/count-text.js';

/** Room kept beside the preview for the link's own words. */
const LINK_RESERVE = 1_000;

/**
 * A tool answer as MCP sends it. Over the inline limit, the whole answer is kept in the result store
 * and the agent gets a preview (by default the answer cut as the executor cuts it, with its
 * `truncated` marker, which then names the kept answer) plus a `resource_link` to the whole:
 * nothing is cut off silently.
 */
export function answer(app: App, structured: Record<string, unknown>, isError: boolean, title: string, preview: (limit: number) => Record<string, unknown> = (limit) => truncateResult(structured as unknown as ExecutionResult, limit, () => app.registry.pageCountMax(structured.tool_slug as string | undefined)) as unknown as Record<string, unknown>): CallToolResult {
  const limit = app.config.limits.maxAnswerBytes;
  const text = JSON.stringify(structured);
  const bytes = Buffer.byteLength(text);
  if (bytes <= limit) return toolResult(structured, isError);
  const uri = app.results.put(text, title);
  const shown = preview(Math.max(limit - LINK_RESERVE, 0)) as Record<string, unknown> & { truncated?: { note?: string } & Record<string, unknown> };
  const marker = shown.truncated ?? (shown.truncated = { note: `TRUNCATED: the full answer is ${countText(bytes)} bytes, over this server's limit of ${countText(limit)}.` });
  marker.note += uri ? ` The whole answer is kept at ${uri}: read it with resources/read rather than calling again.` : ' The whole answer is larger than this server keeps for resources/read.';
  if (uri) marker.full_answer = uri;
  const result = toolResult(shown, isError);
  if (uri) result.content.push({ type: 'resource_link', uri, name: title, mimeType: 'application/json', description: `The whole answer: ${countText(bytes)} bytes of JSON.` });
  return result;
}

/** resources/read for kept answers. They are not listed: each is announced by its resource_link. */
export function registerResultResources(server: McpServer, app: App): void {
  server.registerResource(
    'kept-answers',
    new ResourceTemplate(`${RESULT_URI_PREFIX}{id}`, { list: undefined }),
    { title: 'Whole tool answers', description: 'Answers too large to send inline, linked from the tool result that previewed them.', mimeType: 'application/json' },
    async (uri) => {
      const kept = app.results.get(uri.href);
      if (!kept) {
        throw new McpError(ErrorCode.InvalidParams, `No kept answer ${uri.href}: the server keeps the last ${app.results.maxEntries} large answers (oldest dropped first) until it restarts. Run the call again.`);
      }
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: kept.text }] };
    },
  );
}
