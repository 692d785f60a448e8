import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { RequestId, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { AnswerReceipts } from '../util/answer-receipts.js';

/**
 * When an MCP answer has reached the client, for the work that waits on it (util/answer-receipts.ts:
 * the delivery journal closes a tracking call then). A tools/call's answer is out once the transport
 * has written it; a task's once the client has read it with tasks/result (server/tasks.ts). A request
 * cancelled first, or a server gone first, never delivers: its calls stay open for the repeat. A cancel
 * that comes just after the answer went out (the client's timeout crossed it) means the client drops
 * that answer: what the delivery did is undone (`watchLateCancels`), and the repeat finds its calls open.
 */

/**
 * How long after its answer a request's cancel still withdraws it, and how many answers are watched at
 * most. A cancel that crossed the answer (the client's timeout fired as it came) arrives within moments;
 * one that comes later is not about that answer: the SDK's client, for one, cancels every request made
 * under an AbortSignal when the signal aborts, answered and read or not, and reading those as dropped
 * answers kept later identical events from being sent.
 */
const LATE_CANCEL = { ms: 200, answers: 1_000 };

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Receipts of requests whose answer is on its way, by the server (one per HTTP request) and request id. */
const waiting = new WeakMap<object, Map<RequestId, AnswerReceipts>>();
/** Receipts delivered lately, by server and request id, with when: a late cancel withdraws them. */
const delivered = new WeakMap<object, Map<RequestId, { receipts: AnswerReceipts; at: number }>>();
/** Receipts of calls run as tasks, by the task's signal: delivered when the client reads the result. */
export const taskReceipts = new WeakMap<AbortSignal, AnswerReceipts>();

/** The receipts of one tools/call: delivered with its answer. */
export function receiptsOf(server: McpServer, extra: Extra): AnswerReceipts {
  const task = taskReceipts.get(extra.signal);
  if (task) return task;
  const receipts = new AnswerReceipts();
  awaitAnswer(server, extra, receipts);
  return receipts;
}

/** Delivers `receipts` once the answer to this request is written (a task's, when tasks/result is answered). */
export function awaitAnswer(server: McpServer, extra: Extra, receipts: AnswerReceipts): void {
  let byId = waiting.get(server.server);
  if (!byId) waiting.set(server.server, (byId = new Map()));
  const map = byId;
  map.set(extra.requestId, receipts);
  // Cancelled: no answer is sent, and the calls stay open for the repeat.
  extra.signal.addEventListener('abort', () => map.get(extra.requestId) === receipts && map.delete(extra.requestId), { once: true });
}

/** Delivers the receipts of each answer `transport` writes for `server`. Call before connecting. */
export function deliverReceipts(server: McpServer, transport: Transport): void {
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    await send(message, options);
    if (!('id' in message) || message.id === undefined || !('result' in message || 'error' in message)) return;
    const byId = waiting.get(server.server);
    const receipts = byId?.get(message.id);
    if (!receipts) return;
    byId!.delete(message.id);
    receipts.delivered();
    let recent = delivered.get(server.server);
    if (!recent) delivered.set(server.server, (recent = new Map()));
    recent.delete(message.id);
    recent.set(message.id, { receipts, at: Date.now() });
    // Oldest first (insertion order): past the window or the count, forgotten.
    for (const [id, r] of recent) {
      if (recent.size <= LATE_CANCEL.answers && Date.now() - r.at < LATE_CANCEL.ms) break;
      recent.delete(id);
    }
  };
}

/**
 * Withdraws a request's delivered answer when its cancel comes after it. Call after connecting (the SDK
 * sets the transport's onmessage then); before the SDK sees the cancel, so a repeat behind it on the
 * same connection finds its calls open.
 */
export function watchLateCancels(server: McpServer, transport: Transport): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'notifications/cancelled' && !('id' in message)) {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      const recent = id === undefined ? undefined : delivered.get(server.server);
      const late = recent?.get(id!);
      // A request running now under that id is the one cancelled (an id used again), not the answered one.
      const running = waiting.get(server.server)?.has(id!);
      if (late && !running && Date.now() - late.at < LATE_CANCEL.ms) {
        recent!.delete(id!);
        late.receipts.withdrawn();
      }
    }
    deliver?.(message, extra);
  };
}
