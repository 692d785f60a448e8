import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
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

/** Whether an own "__proto__" key is anywhere in a parsed JSON value (as deep as the router reads at all). */
function holdsProtoKey(value: unknown): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (!v || typeof v !== 'object' || depth > MAX_JSON_DEPTH) continue;
    if (!Array.isArray(v) && Object.hasOwn(v, '__proto__')) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child && typeof child === 'object') stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}
