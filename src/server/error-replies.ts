import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { countText } from '../util/count-text.js';

/**
 * The last look at every JSON-RPC error the server sends, whichever part of it (ours or the SDK's) made
 * the error. Two things are put right here, once for both transports:
 * - A request whose params do not fit the MCP schema is refused by the SDK with -32603 (internal error)
 *   and its validator's issue list dumped as the message. It is the client's mistake: -32602 with one
 *   line per issue (`params.taskId: expected string, received number`).
 * - "Task not found" gets what to do about it.
 * - The SDK echoes what the client sent (`Task not found: <id>`, `Invalid cursor: <cursor>`): a task id of
 *   5 MB came back whole. Any run of more than LONGEST_RUN characters without a space is cut.
 */

/** Longer runs of non-space characters in an error message are cut to their start and their length. */
const LONGEST_RUN = 120;
/** An error message is at most this long once its runs are cut (issues are listed up to it). */
const LONGEST_MESSAGE = 1_000;

/** What to do about a task id the server does not know (the SDK's message says only that). */
const TASK_NOT_FOUND_HINT = {
  stdio: ' (use the taskId of the tools/call answer that created the task; a task is kept for its ttl after it ends, and tasks/list shows the tasks this server still has).',
  // Over HTTP tasks/list lists nothing (a request carries no caller), and a task lives in one process.
  http: ' (use the taskId of the tools/call answer that created the task; a task is kept for its ttl after it ends, in the server instance that answered the tools/call: behind a load balancer, send tasks/* to that instance).',
};

/** Which transport the replies go out on: their hints differ where the transports do. */
export type ReplyTransport = keyof typeof TASK_NOT_FOUND_HINT;

const BAD_URI = 'Invalid params: uri is not a URL. Read a kept answer by the URI its tool result linked (full_answer, or the resource_link).';

interface Issue {
  path?: unknown[];
  message?: unknown;
}

/** The validator's issue list, when `message` is one (a JSON array of objects with a path and a message). */
function issuesIn(message: string): Issue[] | undefined {
  if (!message.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(message);
    if (!Array.isArray(parsed) || !parsed.length) return undefined;
    return parsed.every((i) => i && typeof i === 'object' && Array.isArray((i as Issue).path) && typeof (i as Issue).message === 'string') ? (parsed as Issue[]) : undefined;
  } catch {
    return undefined;
  }
}

/** `params.taskId: expected string, received number`, one issue a clause. */
function issueText(issues: Issue[]): string {
  const lines = issues.slice(0, 5).map((i) => `${i.path!.map(String).join('.') || '(request)'}: ${String(i.message).replace(/^Invalid input: /, '')}`);
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
  return `Invalid params: ${lines.join('; ')}${more}. The request does not fit the MCP schema of its method; nothing was run.`;
}

/** The message with every long run of non-space characters cut to its start and length, and the whole bounded. */
export function boundedMessage(message: string): string {
  const cut = message.replace(new RegExp(`\\S{${LONGEST_RUN + 1},}`, 'g'), (run) => `${run.slice(0, 40)}... (${countText(run.length)} characters)`);
  return cut.length > LONGEST_MESSAGE ? `${cut.slice(0, LONGEST_MESSAGE)}... (cut)` : cut;
}

/** The error reply as it should go out; any other message unchanged. */
export function tidyReply(message: JSONRPCMessage, over: ReplyTransport = 'stdio'): JSONRPCMessage {
  if (!('error' in message) || !message.error || typeof message.error.message !== 'string') return message;
  const { error } = message;
  const issues = error.code === -32603 ? issuesIn(error.message) : undefined;
  // resources/read of a uri that is not a URL: the SDK's `new URL` throws, answered as an internal error.
  const badUri = error.code === -32603 && error.message === 'Invalid URL';
  const text = issues ? issueText(issues) : badUri ? BAD_URI : error.message;
  const bounded = boundedMessage(text) + (/Task not found/.test(text) ? TASK_NOT_FOUND_HINT[over] : '');
  if (!issues && !badUri && bounded === error.message) return message;
  return { ...message, error: { ...error, code: issues || badUri ? -32602 : error.code, message: bounded } };
}

/** Puts every error reply `transport` sends through `tidyReply`. Call before connecting the server. */
export function tidyErrorReplies(transport: Transport, over: ReplyTransport = 'stdio'): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(tidyReply(message, over), options);
}
