import { afterEach, describe, expect, it } from 'vitest';
import { sandboxWithRouter } from '../../helpers/router.js';

let env: Awaited<ReturnType<typeof sandboxWithRouter>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

// Found by a review (2026-12-07): a property named "__proto__" in a track call was dropped (the schema's
// copy of the arguments made it the object's prototype) and the call said it succeeded; a batch sent it.
describe('a key named __proto__ inside a tracking call', () => {
  it('reaches Segment as given, in a single call as in a batch', async () => {
    env = await sandboxWithRouter({ args: ['--write=allow'] });
    const properties = JSON.parse('{"__proto__":{"plan":"pro"},"b":2}') as Record<string, unknown>;
    const context = JSON.parse('{"__proto__":{"x":1},"ip":"1.2.3.4"}') as Record<string, unknown>;
    const one = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Proto Single', properties, context } });
    expect(one.structured.successful).toBe(true);
    const many = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch: [{ type: 'track', userId: 'u1', event: 'Proto Batch', properties }] } });
    expect(many.structured.successful).toBe(true);
    for (const name of ['Proto Single', 'Proto Batch']) {
      const got = env.sandbox.events.find((e) => e.event === name)!.message as { properties: object; context: object };
      expect(Object.keys(got.properties), name).toEqual(['__proto__', 'b']);
      expect(JSON.stringify(got.properties)).toBe('{"__proto__":{"plan":"pro"},"b":2}');
    }
    const single = env.sandbox.events.find((e) => e.event === 'Proto Single')!.message as { context: object };
    expect(Object.keys(single.context)).toContain('__proto__');
  });
});
