import { createRequire } from 'node:module';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { countText } from '../util/count-text.js';

/**
 * The request ids a client has running on one stdio connection (over HTTP, stateless, each request
 * stands alone: only the requests of one JSON-RPC batch can share an id, see `sharedIdInBatch`).
 * JSON-RPC asks a client never to reuse an id; a request that reuses the id of one still running would run beside it (a batch sent twice)
 * and its answer could not be told from the other's. Such a request is refused. An id is taken from
 * its request until the server answers it; a request the client cancelled gets no answer (MCP) and its
 * work may still be winding down, so its id stays taken until an answer comes after all (the SDK
 * ignores some cancellations) or it is among the oldest past MAX_CANCELLED. Ids of answered requests
 * are not remembered: refusing those would mean keeping every id of the session. A long id is held by
 * its digest: a client that cancels requests with ids of a megabyte each would otherwise fill memory.
 */

const MAX_CANCELLED = 10_000;

const LONGEST_KEPT = 128;

/** node:crypto on the first long id, not at start-up: loading it costs a stdio server's start ~7 ms. */
let crypto: typeof import('node:crypto') | undefined;

function keyOf(id: string | number): string {
  const key = `${typeof id}:${String(id)}`;
  if (key.length <= LONGEST_KEPT) return key;
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return `#${crypto.createHash('sha256').update(key).digest('base64url')}`;
}

export class RequestIds {
  private readonly running = new Set<string>();
  private readonly cancelled = new Set<string>();

  /**
   * Takes the id of a request about to be handed to the server; false when it is taken (refuse the
   * request). Notes a cancellation. Other messages pass.
   */
  admit(message: JSONRPCMessage): boolean {
    if (!('method' in message)) return true;
    // A notification: a "cancellation" sent as a request (with an id) cancels nothing, and is answered.
    if (message.method === 'notifications/cancelled' && !('id' in message)) {
      const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.cancel(keyOf(id));
      return true;
    }
    if (!('id' in message)) return true;
    const key = keyOf(message.id);
    if (this.running.has(key) || this.cancelled.has(key)) return false;
    this.running.add(key);
    return true;
  }

  /** Requests handed to the server and not yet answered (cancelled ones not counted). */
  get pending(): number {
    return this.running.size;
  }

  /** The server answered: the id is free again. */
  answered(message: JSONRPCMessage): void {
    if (!('id' in message) || 'method' in message) return;
    const key = keyOf(message.id as string | number);
    this.running.delete(key);
    this.cancelled.delete(key);
  }

  private cancel(key: string): void {
    if (!this.running.delete(key)) return;
    this.cancelled.add(key);
    if (this.cancelled.size > MAX_CANCELLED) this.cancelled.delete(this.cancelled.values().next().value!);
  }
}

/** An id as an error quotes it: a long one cut (the client knows it whole). */
export function shownId(id: string | number): string {
  const text = JSON.stringify(id);
  return text.length <= 66 ? text : `${text.slice(0, 60)}..." (${countText(text.length)} characters)`;
}

/** The refusal's words. */
export const reusedIdMessage = (id: string | number) =>
  `Invalid Request: id ${shownId(id)} is already used by a request still running (or cancelled and still winding down); nothing was run. Give each request its own id.`;

/** An id two requests of one JSON-RPC batch share (both would run, their answers alike), as quoted; undefined when none. */
export function sharedIdInBatch(batch: unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const m of batch) {
    if (!m || typeof m !== 'object' || !('method' in m) || !('id' in m)) continue;
    const id = (m as { id: unknown }).id;
    if (typeof id !== 'string' && typeof id !== 'number') continue;
    const key = keyOf(id);
    if (seen.has(key)) return shownId(id);
    seen.add(key);
  }
  return undefined;
}
