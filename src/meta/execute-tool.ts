import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { App } from '../app.js';
import type { ExecutionResult, SurfaceHooks } from '../execution/executor.js';
import { MAX_SLUG_LENGTH } from '../registry/slug.js';
import { mcpConfirmer } from './elicitation.js';
import { truncateResult } from '../execution/truncate.js';
import { answer } from './large-result.js';
import { MAX_KEPT_ANSWER_BYTES } from '../util/result-store.js';
import { toolResult } from './result.js';
import { receiptsOf } from './answer-delivery.js';

export const MAX_PARALLEL = 50;

const args = z
  .union([z.record(z.string(), z.unknown()), z.string()])
  .optional()
  .describe('Arguments matching the tool\'s input_schema (see SEARCH_TOOLS).');

const slug = z.string().max(MAX_SLUG_LENGTH);

const inputSchema = {
  tool_slug: slug.optional().describe('The tool to run, e.g. SEGMENT_TRACK (case and separators are forgiven).'),
  arguments: args,
  dry_run: z.boolean().optional().describe('Send nothing; return the exact request (secrets masked).'),
  tools: z
    .array(z.object({ tool_slug: slug, arguments: args, dry_run: z.boolean().optional() }))
    .optional()
    .describe(`Up to ${MAX_PARALLEL} calls to run in parallel instead of one tool_slug; each is reported.`),
};

const errorShape = z.looseObject({ kind: z.string(), message: z.string(), hint: z.string().optional() });
const one = { successful: z.boolean(), tool_slug: z.string().optional(), data: z.unknown().optional(), error: errorShape.optional(), warnings: z.array(z.string()).optional() };
// Loose objects: an answer over the size limit is cut and says so in a `truncated` key (execution/truncate.ts,
// meta/large-result.ts), which a closed schema made an SDK client refuse. Not listed: tools/list is read by every agent.
const outputSchema = z.looseObject({ ...one, results: z.array(z.looseObject(one)).optional() });

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Surface hooks for an MCP call: elicitation to confirm, progress notifications, cancellation. */
/** Signals of calls run as MCP tasks: their client polls for the result, so they need not answer in time. */
export const taskSignals = new WeakSet<AbortSignal>();

/**
 * What the executor needs of an MCP request. `answerWithinMs`: the call stops retrying in time to
 * answer within it (RetrySettings.answerWithinMs), unless it runs as a task. A cancel (of a request or
 * a task) aborts at once, requests on their way included: the server goes on serving, and an agent
 * that repeats the call at once must find its journal run free, or the repeat sends under new ids what
 * the winding-down requests deliver (a cancelled task's answer may then count as not accepted what
 * Segment took; the repeat sends it again under the same ids, and Segment drops it).
 */
export function mcpHooks(server: McpServer, extra: Extra, answerWithinMs?: number): SurfaceHooks {
  const token = extra._meta?.progressToken;
  return {
    confirm: mcpConfirmer(server, extra),
    signal: extra.signal,
    ...(answerWithinMs !== undefined && !taskSignals.has(extra.signal) ? { answerWithinMs } : {}),
    progress:
      token === undefined
        ? undefined
        : (progress, total, message) =>
            extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }).catch(() => undefined),
  };
}

export function registerExecuteTool(server: McpServer, app: App): void {
  server.registerTool(
    'EXECUTE_TOOL',
    {
      title: 'Run a Segment tool',
      description:
        'Runs one Segment tool by slug with JSON arguments (find slugs and schemas with SEARCH_TOOLS first), or up to 50 in parallel with "tools". Arguments are validated before anything is sent; writes follow the server\'s write policy; dry_run shows the exact request without sending it. Returns {successful, data, error}.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (input, extra) => {
      // Tracking calls close their journal runs once this answer is out (meta/answer-delivery.ts).
      const hooks = { ...mcpHooks(server, extra, app.config.retry.answerWithinMs), receipts: receiptsOf(server, extra) };
      if (input.tools) {
        if (input.tool_slug) return usage('Pass either tool_slug (one call) or tools (several), not both.');
        if (input.tools.length === 0 || input.tools.length > MAX_PARALLEL) return usage(`"tools" takes 1 to ${MAX_PARALLEL} calls; got ${input.tools.length}. Split larger work into several EXECUTE_TOOL calls, or use SEGMENT_BATCH for many events.`);
        // The calls share one answer: each gets its part of the size limit, so none is dropped to fit the rest.
        const share = Math.max(4_000, Math.floor(app.config.limits.maxAnswerBytes / input.tools.length));
        const results = await Promise.all(
          input.tools.map((t, i) => app.executor.execute({ slug: t.tool_slug, arguments: t.arguments, dryRun: t.dry_run ?? input.dry_run, maxAnswerBytes: MAX_KEPT_ANSWER_BYTES, slot: `tools[${i}]` }, hooks)),
        );
        const successful = results.every((r) => r.successful);
        // Over the limit, the whole batch is kept and linked; the preview cuts each call to its share, so none is dropped to fit the rest.
        return answer(app, { successful, results }, !successful, `EXECUTE_TOOL answer (${results.length} calls)`, () => ({ successful, results: results.map((r) => truncateResult(r, share, () => app.registry.pageCountMax(r.tool_slug))) }));
      }
      if (!input.tool_slug) return usage('tool_slug is required (or tools for several calls). Use SEARCH_TOOLS to find the slug.');
      const result = await app.executor.execute({ slug: input.tool_slug, arguments: input.arguments, dryRun: input.dry_run, maxAnswerBytes: MAX_KEPT_ANSWER_BYTES }, hooks);
      return answer(app, result as unknown as Record<string, unknown>, !result.successful, `${result.tool_slug ?? 'EXECUTE_TOOL'} answer`);
    },
  );
}

function render(result: ExecutionResult) {
  return toolResult(result as unknown as Record<string, unknown>, !result.successful);
}

function usage(message: string) {
  return render({ successful: false, error: { kind: 'usage', message, hint: 'Nothing was run.' } });
}
