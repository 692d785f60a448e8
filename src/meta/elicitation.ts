import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ElicitResultSchema, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Confirmer } from '../policy/write-policy.js';

/** How long a person has to answer a confirmation before the write is dropped. */
const CONFIRM_TIMEOUT_MS = 10 * 60_000;

/**
 * Confirms a write with the user through MCP form elicitation: a boolean `confirm` (default true)
 * and a plain summary. Anything but an explicit accept with confirm=true means nothing is sent.
 */
export function mcpConfirmer(server: McpServer, extra: RequestHandlerExtra<ServerRequest, ServerNotification>): Confirmer {
  return async (call) => {
    const caps = server.server.getClientCapabilities()?.elicitation as { form?: unknown; url?: unknown } | undefined;
    // An empty elicitation capability means form mode (older clients); url-only clients cannot show a form.
    if (!caps || (caps.form === undefined && caps.url !== undefined)) {
      return { confirmed: false, reason: 'this client does not support MCP elicitation (form mode)', unsupported: true };
    }
    try {
      const answer = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: `${call.summary}\nSend this to Segment?`,
            requestedSchema: {
              type: 'object',
              properties: {
                confirm: { type: 'boolean', title: 'Send it', description: `Allow ${call.slug} to run now.`, default: true },
              },
              required: ['confirm'],
            },
          },
        },
        ElicitResultSchema,
        { timeout: CONFIRM_TIMEOUT_MS },
      );
      if (answer.action === 'accept' && answer.content?.confirm === true) return { confirmed: true };
      const reason = answer.action === 'decline' ? 'the user declined' : answer.action === 'cancel' ? 'the user cancelled' : 'the user answered confirm=false';
      return { confirmed: false, reason };
    } catch (err) {
      return { confirmed: false, reason: `the confirmation could not be asked (${(err as Error).message})`, unsupported: true };
    }
  };
}
