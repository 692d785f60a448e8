import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from './body-budget.js';

export type BodyRead = { body: Buffer; held: number } | { refused: 'too-large' | 'busy'; held: number };

/**
 * Reads one MCP request body within the per-request limit and the server-wide budget. A declared
 * Content-Length is taken from the budget before any byte is read; a chunked body takes its bytes
 * as they arrive. `held` is what the caller gives back to the budget when the response ends. A
 * refused body is drained, not kept, so the client still gets its answer.
 */
export function readBudgetedBody(req: IncomingMessage, max: number, budget: BodyBudget): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  let held = 0;
  const refuse = (why: 'too-large' | 'busy'): Promise<BodyRead> => {
    req.resume(); // discard the rest as it arrives (at most the declared length, itself within the limit)
    return Promise.resolve({ refused: why, held });
  };
  if (Number.isFinite(declared) && declared >= 0) {
    if (declared > max) return refuse('too-large');
    if (!budget.take(declared)) return refuse('busy');
    held = declared;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const stop = (why: 'too-large' | 'busy') => {
      done = true;
      chunks.length = 0;
      if (why === 'too-large') req.pause(); // answered with Connection: close
      resolve({ refused: why, held });
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
      if (size > held) {
        if (!budget.take(size - held)) return stop('busy');
        held = size;
      }
      chunks.push(c);
    });
    req.on('end', () => !done && resolve({ body: Buffer.concat(chunks), held }));
    req.on('error', reject);
  });
}
