import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from './body-budget.js';

export type BodyRead = { body: Buffer } | { refused: 'too-large' | 'busy' | 'gone' };

/** Bytes a request holds in the budget: the caller gives them back when its response closes, however the read ended. */
export interface BudgetHold {
  bytes: number;
}

/** A body that sends nothing for this long is cut: its held bytes go back to the budget (the request timeout is 60 s). */
export const BODY_IDLE_MS = 10_000;

/**
 * Reads one MCP request body within the per-request limit and the server-wide budget. Bytes are taken
 * from the budget as they arrive, not as declared: two sockets that declared 10 MiB each and sent
 * nothing held the whole budget (every other client got 503) until the request timeout. They go into
 * `hold`, which the caller gives back once the response closes (also when the client goes away
 * mid-body: the read then ends as `gone`); a body idle for `idleMs` is cut, and ends so too. A declared
 * length over the limit is refused at once. A refused body is drained, not kept, so the client still
 * gets its answer.
 */
export function readBudgetedBody(req: IncomingMessage, max: number, budget: BodyBudget, hold: BudgetHold, idleMs = BODY_IDLE_MS): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume(); // discard the rest as it arrives
    return Promise.resolve({ refused: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const wake = () => {
      clearTimeout(idle);
      idle = setTimeout(() => req.destroy(), idleMs);
      idle.unref();
    };
    wake();
    const finish = (read: BodyRead) => {
      clearTimeout(idle);
      if (done) return;
      done = true;
      chunks.length = 0;
      resolve(read);
    };
    const stop = (why: 'too-large' | 'busy') => {
      if (why === 'too-large') req.pause(); // answered with Connection: close
      finish({ refused: why });
    };
    req.on('data', (c: Buffer) => {
      if (done) {
        // Refused as busy: drained so the client gets its 503, but not without end.
        size += c.length;
        if (size > 2 * max) req.destroy();
        return;
      }
      wake();
      size += c.length;
      if (size > max) return stop('too-large');
      // Each chunk takes its share as it comes.
      if (size > hold.bytes) {
        if (!budget.take(size - hold.bytes)) return stop('busy');
        hold.bytes = size;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(idle);
      if (!done) {
        const body = Buffer.concat(chunks);
        done = true;
        resolve({ body });
      }
    });
    // The client went away (or the server's request timeout closed the socket) before the body ended.
    req.on('error', () => finish({ refused: 'gone' }));
    req.on('close', () => finish({ refused: 'gone' }));
  });
}
