import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../app.js';
import { toolResult } from './result.js';

/**
 * MANAGE_CONNECTIONS action "wait": holds the call until the person finishes the open connect link
 * (or it expires, or the bound passes), so an agent does not poll status in a loop. Progress
 * notifications keep the client informed (and its request timeout fed) while it waits.
 */

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export const MAX_WAIT_SECONDS = 120;
const PROGRESS_EVERY_MS = 5_000;

const NOTES: Record<string, string> = {
  completed: 'The person submitted the connect page; the status below is the result.',
  timeout: 'The person has not finished yet; the link stays open until expires_at. Call wait again, or ask the user whether the page opened.',
  expired: 'The link expired before it was used. If the user still wants to connect, call action "connect" for a new link.',
  withdrawn: 'The link was withdrawn (the connection was disconnected, the user declined, or the server is stopping).',
  cancelled: 'The wait was cancelled by the client.',
};

export async function waitForConnect(app: App, extra: Extra, connection: string | undefined, seconds: number | undefined) {
  const svc = app.connections;
  if (!svc.waitForConnect) {
    return toolResult({ results: [await svc.status({ connection })], error: { kind: 'unsupported', message: 'This server has no connect page to wait for.', hint: 'Read the status instead.' } }, true);
  }
  const bound = Math.min(MAX_WAIT_SECONDS, seconds ?? MAX_WAIT_SECONDS);
  const started = Date.now();
  const token = extra._meta?.progressToken;
  const progress = () => {
    if (token === undefined) return;
    const waited = Math.round((Date.now() - started) / 1000);
    extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: waited, total: bound, message: `Waiting for the person to finish the connect page (${waited} of at most ${bound} s).` } })
      .catch(() => undefined);
  };
  progress();
  const ticker = setInterval(progress, PROGRESS_EVERY_MS);
  try {
    const { outcome, status } = await svc.waitForConnect({ connection, timeoutMs: bound * 1000, signal: extra.signal });
    const note =
      outcome === 'no_open_link'
        ? `No connect link is open for "${status.connection}", so there is nothing to wait for.${status.status === 'ACTIVE' ? '' : ' Call action "connect" first, give the user the redirect_url, then wait.'}`
        : NOTES[outcome]!;
    return toolResult({ results: [status], wait: { outcome, waited_seconds: Math.round((Date.now() - started) / 100) / 10, note } });
  } finally {
    clearInterval(ticker);
  }
}
