import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from './body-budget.js';

export type BodyRead = { body: Buffer } | { refused: 'too-large' | 'busy' | 'gone' };

/** Bytes a request holds in the budget: the caller gives them back when its response closes, however the read ended. */
export interface BudgetHold {
  bytes: number;
}

/**
 * Reads one MCP request body within the per-request limit and the server-wide budget. A declared
 * Content-Length is taken from the budget before any byte is read; a chunked body takes its bytes
 * as they arrive; both go into `hold`, which the caller gives back once the response closes (also
 * when the client goes away mid-body: the read then ends as `gone`). A refused body is drained,
 * not kept, so the client still gets its answer.
 */
export function readBudgetedBody(req: IncomingMessage, max: number, budget: BodyBudget, hold: BudgetHold): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  const refuse = (why: 'too-large' | 'busy'): Promise<BodyRead> => {
    req.resume(); // discard the rest as it arrives (at most the declared length, itself within the limit)
    return Promise.resolve({ refused: why });
  };
  if (Number.isFinite(declared) && declared >= 0) {
    if (declared > max) return refuse('too-large');
    if (!budget.take(declared)) return refuse('busy');
    hold.bytes = declared;
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (read: BodyRead) => {
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
      size += c.length;
      if (size > max) return stop('too-large');
      // Without a declared length, each chunk takes its share (and a lying length is topped up).
      if (size > hold.bytes) {
        if (!budget.take(size - hold.bytes)) return stop('busy');
        hold.bytes = size;
      }
      chunks.push(c);
    });
    req.on('end', () => {
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
