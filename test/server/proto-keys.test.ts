import { describe, expect, it } from 'vitest';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { keepProtoKeys, keepProtoKeysDirect, protoKeyArguments } from '../../src/server/proto-keys.js';
import { deferredOf, parseDeferring } from '../../src/util/deferred-list.js';

/** A transport that only delivers what it is given (keepProtoKeys wraps its onmessage). */
function fakeTransport(): Transport & { got: JSONRPCMessage[] } {
  const got: JSONRPCMessage[] = [];
  const t = { got, start: async () => {}, send: async () => {}, close: async () => {}, onmessage: (m: JSONRPCMessage) => void got.push(m) };
  return t as unknown as Transport & { got: JSONRPCMessage[] };
}

const call = (args: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: args } } });

describe('a __proto__ key in EXECUTE_TOOL arguments', () => {
  it('hands the arguments on as JSON text, own key and all', () => {
    const t = fakeTransport();
    keepProtoKeys(t);
    t.onmessage!(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_UPDATE_SOURCE","arguments":{"sourceId":"s","__proto__":{"enabled":true}}}}}') as JSONRPCMessage);
    expect((t.got[0] as { params: { arguments: { arguments: unknown } } }).params.arguments.arguments).toBe('{"sourceId":"s","__proto__":{"enabled":true}}');
  });

  // Found by the benchmark (2026-12-07): looking for the key read a batch's list left unparsed, parsing
  // 25,000 messages the call checks one by one later: SEGMENT_BATCH's server CPU went from 3.6 to 9.2 us an event.
  it('leaves a batch list left unparsed unread', () => {
    const events = Array.from({ length: 300 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'E', properties: { i } }));
    const message = parseDeferring(Buffer.from(JSON.stringify(call({ batch: events })))) as ReturnType<typeof call>;
    const list = (message.params.arguments.arguments as { batch: unknown[] }).batch;
    expect(deferredOf(list)?.materialised).toBe(false);
    const t = fakeTransport();
    keepProtoKeys(t);
    t.onmessage!(message as unknown as JSONRPCMessage);
    expect(deferredOf(list)!.materialised).toBe(false);
    expect(t.got).toHaveLength(1);
  });
});

describe('a __proto__ key in a direct-mode call', () => {
  it('keeps the text aside under the request id, taken once; calls without the key keep nothing; at most 256 wait', () => {
    const t = fakeTransport();
    keepProtoKeysDirect(t);
    const line = (id: number, args: string) => JSON.parse(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"integration__segment__segment_update_source","arguments":${args}}}`) as JSONRPCMessage;
    t.onmessage!(line(1, '{"sourceId":"s","__proto__":{"enabled":true}}'));
    t.onmessage!(line(2, '{"sourceId":"s","enabled":true}'));
    expect(t.got).toHaveLength(2);
    expect(protoKeyArguments(t, 1, 'integration__segment__segment_update_source')).toBe('{"sourceId":"s","__proto__":{"enabled":true}}');
    expect(protoKeyArguments(t, 1, 'integration__segment__segment_update_source')).toBeUndefined();
    expect(protoKeyArguments(t, 2, 'integration__segment__segment_update_source')).toBeUndefined();
    for (let id = 10; id < 310; id++) t.onmessage!(line(id, '{"__proto__":{}}'));
    expect(protoKeyArguments(t, 10, 'integration__segment__segment_update_source')).toBeUndefined();
    expect(protoKeyArguments(t, 309, 'integration__segment__segment_update_source')).toBe('{"__proto__":{}}');
  });

  // Found by an adversarial review (2026-12-07): a call the SDK refused before the handler (its name not a
  // string) left its text under its id, and a later valid call with that id ran with the refused call's arguments.
  it('never hands one request the text of another that had the same id', () => {
    const t = fakeTransport();
    keepProtoKeysDirect(t);
    t.onmessage!(JSON.parse('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":12345,"arguments":{"userId":"attacker","__proto__":{}}}}') as JSONRPCMessage);
    t.onmessage!(JSON.parse('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"integration__segment__segment_track","arguments":{"userId":"u-good","event":"Real Event"}}}') as JSONRPCMessage);
    expect(protoKeyArguments(t, 7, 'integration__segment__segment_track')).toBeUndefined();
    // Kept for one name, asked for under another: not handed over.
    t.onmessage!(JSON.parse('{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"a","arguments":{"__proto__":{}}}}') as JSONRPCMessage);
    expect(protoKeyArguments(t, 8, 'b')).toBeUndefined();
  });
});
