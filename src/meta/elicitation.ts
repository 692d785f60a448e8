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
  return async (call, signal) => {
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
            message: `${call.summary}\nSend this to ${call.destination}?`,
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
        { timeout: CONFIRM_TIMEOUT_MS, ...(signal ? { signal } : {}) },
      );
      if (answer.action === 'accept' && answer.content?.confirm === true) return { confirmed: true };
      return { confirmed: false, reason: notConfirmed(answer) };
    } catch (err) {
      if (signal?.aborted) return { confirmed: false, reason: 'the call was cancelled before the user answered' };
      return { confirmed: false, reason: `the confirmation could not be asked (${(err as Error).message})`, unsupported: true };
    }
  };
}

/* ---- Connections: a URL to open, and a plain yes/no (added for MANAGE_CONNECTIONS). ---- */

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Which elicitation modes the client declared. An empty capability object means form (older clients). */
export function elicitationModes(server: McpServer): { form: boolean; url: boolean } {
  const caps = server.server.getClientCapabilities()?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!caps) return { form: false, url: false };
  return { form: caps.form !== undefined || caps.url === undefined, url: caps.url !== undefined };
}

export type UrlOffer = 'accept' | 'decline' | 'cancel' | 'unsupported' | 'failed';

/**
 * Offers a link through URL-mode elicitation: the client shows the person where it leads and opens
 * it in their browser, so the page's content never passes through the model.
 */
export async function offerUrl(server: McpServer, extra: Extra, params: { message: string; url: string; elicitationId: string }, timeoutMs: number): Promise<UrlOffer> {
  if (!elicitationModes(server).url) return 'unsupported';
  try {
    const answer = await extra.sendRequest({ method: 'elicitation/create', params: { mode: 'url', ...params } }, ElicitResultSchema, { timeout: timeoutMs });
    return answer.action;
  } catch {
    return 'failed';
  }
}

/** Tells the client a URL-mode elicitation finished (the form was submitted); silent if it cannot be told. */
export function completeUrl(server: McpServer, elicitationId: string): void {
  if (!elicitationModes(server).url) return;
  try {
    void server.server.createElicitationCompletionNotifier(elicitationId)().catch(() => {});
  } catch {
    /* the client went away */
  }
}

/** Asks a yes/no question about a local change through form elicitation. */
export async function askToConfirm(server: McpServer, extra: Extra, message: string, label: string): Promise<{ confirmed: boolean; reason: string; unsupported?: boolean }> {
  if (!elicitationModes(server).form) return { confirmed: false, reason: 'this client does not support form elicitation', unsupported: true };
  try {
    const answer = await extra.sendRequest(
      {
        method: 'elicitation/create',
        params: { message, requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: label, default: false } }, required: ['confirm'] } },
      },
      ElicitResultSchema,
      { timeout: CONFIRM_TIMEOUT_MS },
    );
    if (answer.action === 'accept' && answer.content?.confirm === true) return { confirmed: true, reason: 'the user confirmed' };
    return { confirmed: false, reason: notConfirmed(answer) };
  } catch (err) {
    // The client said it can ask, and asking failed: that is not a yes.
    return { confirmed: false, reason: `the confirmation could not be asked (${(err as Error).message})` };
  }
}

/** Why an answer is not a yes, in its own terms: an accept without `confirm` is no answer to the question. */
function notConfirmed(answer: { action: string; content?: Record<string, unknown> }): string {
  if (answer.action === 'decline') return 'the user declined';
  if (answer.action === 'cancel') return 'the user cancelled';
  const confirm = answer.content?.confirm;
  return confirm === undefined ? 'the client accepted without answering the question (no "confirm")' : `the user answered confirm=${JSON.stringify(confirm)}`;
}
