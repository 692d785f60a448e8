import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../app.js';
import { SCRIPT_LIMITS } from '../workbench/limits.js';
import { receiptsOf } from './answer-delivery.js';
import { mcpHooks } from './execute-tool.js';
import { answer } from './large-result.js';

const inputSchema = {
  script: z.string().max(SCRIPT_LIMITS.maxScriptChars).describe('JavaScript, the body of an async function.'),
  dry_run: z.boolean().optional().describe('Reads run; writes are not sent but listed in planned_writes with their exact requests.'),
  timeout_ms: z.number().int().min(1).max(SCRIPT_LIMITS.maxTimeoutMs).optional().describe(`Wall time (default ${SCRIPT_LIMITS.defaultTimeoutMs}).`),
};

// Loose on purpose: tools/list carries it into every agent's context; the description says the shape. A
// loose object, not a shape: a shape lists only these keys and forbids the rest (additionalProperties:
// false), and an SDK client that had listed the tools refused every answer (tool_calls, elapsed_ms, ...).
const outputSchema = z.looseObject({ successful: z.boolean(), result: z.unknown().optional(), error: z.looseObject({}).optional() });

/** The description is the API's documentation for agents: every name a script can use is here. */
export const RUN_SCRIPT_DESCRIPTION = [
  'Runs JavaScript (an async function body) in a sandbox for tasks spanning many calls: intermediate data stays there, only the return value comes back.',
  'API: await tools.call(slug, args) returns the tool\'s data or throws (e.kind, e.message, e.hint); await tools.all(slug, args) follows next_cursor and returns every item; console.log is captured; return a JSON value.',
  'Each call takes EXECUTE_TOOL\'s path (validation, write policy, audit); under deny writes throw, under ask one confirmation lists all writes; dry_run lists writes unsent.',
  `No network, timers or modules; limits: timeout_ms, 64 MB, ${SCRIPT_LIMITS.maxToolCalls} calls; an error lists the calls made.`,
  'Example: const s = await tools.all(\'SEGMENT_LIST_SOURCES\', {}); return s.filter(x => !x.enabled).map(x => x.id);',
].join(' ');

export function registerRunScript(server: McpServer, app: App): void {
  server.registerTool(
    'RUN_SCRIPT',
    {
      title: 'Run a script of Segment tool calls',
      description: RUN_SCRIPT_DESCRIPTION,
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (input, extra) => {
      const hooks = { ...mcpHooks(server, extra, app.config.retry.answerWithinMs), receipts: receiptsOf(server, extra) };
      const report = await app.workbench.run({ script: input.script, dryRun: input.dry_run, timeoutMs: input.timeout_ms }, hooks);
      return answer(app, report as unknown as Record<string, unknown>, !report.successful, 'RUN_SCRIPT answer');
    },
  );
}
