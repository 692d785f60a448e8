import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { RequestIds } from '../../src/server/request-ids.js';

const request = (id: string | number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'X' } });
const answer = (id: string | number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });
const cancel = (requestId: unknown, extra: Record<string, unknown> = {}): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, ...extra } }) as JSONRPCMessage;

describe('request ids a stdio client has running', () => {
  it('an id is taken from its request to its answer; a cancelled one stays taken', () => {
    const ids = new RequestIds();
    expect(ids.admit(request(1))).toBe(true);
    expect(ids.admit(request(1))).toBe(false);
    expect(ids.admit(request('1'))).toBe(true); // another id
    ids.answered(answer(1));
    expect(ids.admit(request(1))).toBe(true);
    ids.admit(cancel(1));
    expect(ids.admit(request(1))).toBe(false);
  });

  it('an answered request frees its id even when a cancellation named it (the SDK ignores one naming 0, or with bad params: the request ran and was answered, then its id stayed taken)', () => {
    const ids = new RequestIds();
    for (const id of [0, '', 5]) {
      expect(ids.admit(request(id))).toBe(true);
      ids.admit(cancel(id, id === 5 ? { reason: 7 } : {}));
      ids.answered(answer(id));
      expect(ids.admit(request(id))).toBe(true);
    }
  });

  it('a cancellation sent as a request (with an id of its own) cancels nothing', () => {
    const ids = new RequestIds();
    ids.admit(request(3));
    expect(ids.admit({ jsonrpc: '2.0', id: 4, method: 'notifications/cancelled', params: { requestId: 3 } })).toBe(true);
    ids.answered(answer(4));
    ids.answered(answer(3));
    expect(ids.admit(request(3))).toBe(true);
  });

  it('holds long ids by a digest: 100 cancelled ids of 1 MB each keep a few KB (the whole ids took the server out of memory)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const ids = new RequestIds();
    gc();
    const before = process.memoryUsage().heapUsed;
    const bytes = Buffer.alloc(1_000_000, 'x');
    // A string of its own each time, as JSON.parse gives one per line.
    const idOf = (i: number) => bytes.toString('latin1', 0, bytes.length - i);
    for (let i = 0; i < 100; i++) {
      ids.admit(request(idOf(i)));
      ids.admit(cancel(idOf(i)));
    }
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30_000_000);
    expect(ids.admit(request(idOf(7)))).toBe(false);
    expect(ids.admit(request(idOf(101)))).toBe(true);
  });
});
