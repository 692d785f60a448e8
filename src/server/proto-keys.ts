import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { deferredOf } from '../util/deferred-list.js';
import { MAX_JSON_DEPTH } from '../util/json-depth.js';

/**
 * A key named "__proto__" in a tool's arguments, kept. JSON.parse makes it an own key like any other,
 * but every schema object the SDK and zod build sets it as the copy's prototype instead: the key
 * vanished before the router's validation could refuse it as unknown, and a write went out without it
 * (an empty PATCH, answered "successful"). EXECUTE_TOOL takes its arguments as a JSON string as well,
 * which the router reads itself, own keys kept: arguments holding such a key are handed on that way,
 * so the tool's own validation sees them whole and says what is wrong.
 */
export function keepProtoKeys(transport: Transport): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'tools/call' && message.params && typeof message.params === 'object') {
      const call = message.params.arguments as { arguments?: unknown; tools?: { arguments?: unknown }[] } | undefined;
      if (call && typeof call === 'object') {
        if (holdsProtoKey(call.arguments)) call.arguments = JSON.stringify(call.arguments);
        if (Array.isArray(call.tools)) for (const t of call.tools) if (t && typeof t === 'object' && holdsProtoKey(t.arguments)) t.arguments = JSON.stringify(t.arguments);
      }
    }
    deliver?.(message, extra);
  };
}

/** Direct mode's arguments as JSON text, by request id, for the calls that held the key (taken once), with the tool named. */
const directText = new WeakMap<Transport, Map<string | number, { name: unknown; text: string }>>();
/** Requests the SDK refuses before the handler never take theirs: the oldest go past this many. */
const MAX_HELD = 256;

/**
 * The same for direct mode, where a tool's arguments are the call's own `arguments` object, which the
 * SDK's request schema must see as an object: the text is kept aside under the request's id, and the
 * handler takes it (`protoKeyArguments`) in place of the copy that lost the key.
 */
export function keepProtoKeysDirect(transport: Transport): void {
  const held = new Map<string | number, { name: unknown; text: string }>();
  directText.set(transport, held);
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'tools/call' && 'id' in message) {
      // Whatever an earlier request of this id left (one the SDK refused before the handler) is not this one's.
      held.delete(message.id);
      const params = message.params;
      if (params && typeof params === 'object' && holdsProtoKey(params.arguments)) {
        held.set(message.id, { name: params.name, text: JSON.stringify(params.arguments) });
        if (held.size > MAX_HELD) held.delete(held.keys().next().value!);
      }
    }
    deliver?.(message, extra);
  };
}

/** The JSON text a direct-mode call's arguments were given as, when they held a "__proto__" key: only the request's own, for the tool it names. */
export function protoKeyArguments(transport: Transport | undefined, requestId: string | number, name: string): string | undefined {
  const held = transport ? directText.get(transport) : undefined;
  const entry = held?.get(requestId);
  held?.delete(requestId);
  return entry && entry.name === name ? entry.text : undefined;
}

/**
 * Whether an own "__proto__" key is anywhere in a parsed JSON value (as deep as the router reads at all).
 * A batch's list left unparsed (util/deferred-list.ts) is not read here: reading it would parse 25,000
 * messages that are checked one by one later, and its messages are sent as the client wrote them.
 */
function holdsProtoKey(v: unknown, depth = 0): boolean {
  if (!v || typeof v !== 'object' || depth > MAX_JSON_DEPTH || deferredOf(v)) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (x && typeof x === 'object' && holdsProtoKey(x, depth + 1)) return true;
    return false;
  }
  if (Object.hasOwn(v, '__proto__')) return true;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x && typeof x === 'object' && holdsProtoKey(x, depth + 1)) return true;
  }
  return false;
}
