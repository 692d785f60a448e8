import { afterEach, describe, expect, it } from 'vitest';
import { sandboxWithRouter, trackingRequests, WRITE_KEY } from '../helpers/router.js';

type Env = Awaited<ReturnType<typeof sandboxWithRouter>>;
const track = { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Order Completed' } };

describe('write policy', () => {
  let env: Env | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('allow: the write is sent and reported as accepted, not delivered', async () => {
    env = await sandboxWithRouter({ args: ['--write=allow'] });
    const { structured } = await env.call('EXECUTE_TOOL', track);
    expect(structured.successful).toBe(true);
    expect(structured.data.note).toMatch(/Accepted by Segment/);
    expect(structured.data.note).toMatch(/not delivered/);
    expect(env.sandbox.events).toHaveLength(1);
    expect(env.sandbox.events[0]).toMatchObject({ type: 'track', event: 'Order Completed', messageId: structured.data.messageId });
  });

  it('ask: a confirmed form sends; the user saw a plain summary and a boolean confirm defaulting to true', async () => {
    const seen: { message: string; requestedSchema?: any }[] = [];
    env = await sandboxWithRouter({ args: ['--write=ask'], onElicit: async (p) => (seen.push(p), { action: 'accept', content: { confirm: true } }) });
    const { structured } = await env.call('EXECUTE_TOOL', track);
    expect(structured.successful).toBe(true);
    expect(env.sandbox.events).toHaveLength(1);
    expect(seen[0]!.message).toMatch(/Order Completed/);
    expect(seen[0]!.requestedSchema.properties.confirm).toMatchObject({ type: 'boolean', default: true });
  });

  // The accept without content found by an adversarial review (2026-12-07): it was said to be "confirm=false".
  it.each([
    ['decline', { action: 'decline' as const }, 'the user declined'],
    ['cancel', { action: 'cancel' as const }, 'the user cancelled'],
    ['confirm=false', { action: 'accept' as const, content: { confirm: false } }, 'the user answered confirm=false'],
    ['accept without content', { action: 'accept' as const }, 'without answering the question (no "confirm")'],
  ])('ask: %s sends nothing, and says why', async (_name, answer, why) => {
    env = await sandboxWithRouter({ args: ['--write=ask'], onElicit: async () => answer });
    const { result, structured } = await env.call('EXECUTE_TOOL', track);
    expect(result.isError).toBe(true);
    expect(structured.error.kind).toBe('policy');
    expect(structured.error.message).toContain(why);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
  });

  it('ask: a client without elicitation is refused with how to allow writes', async () => {
    env = await sandboxWithRouter({ args: ['--write=ask'] });
    const { structured } = await env.call('EXECUTE_TOOL', track);
    expect(structured.error.kind).toBe('policy');
    expect(structured.error.message).toMatch(/elicitation/);
    expect(structured.error.hint).toMatch(/--write=allow/);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
  });

  it('reads run under deny; a missing write key is reported before any request', async () => {
    env = await sandboxWithRouter({ args: ['--write=allow'], env: { SEGMENT_WRITE_KEY: undefined } });
    const { structured } = await env.call('EXECUTE_TOOL', track);
    expect(structured.error.kind).toBe('not_connected');
    expect(structured.error.message).toMatch(/write key/);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
    const status = await env.call('MANAGE_CONNECTIONS', {});
    expect(status.structured.results[0].capabilities.tracking.state).toBe('REQUIRES_PARAMETERS');
  });

  it('only flags open the policy: an inherited environment variable enables nothing', async () => {
    env = await sandboxWithRouter({ env: { SEGMENT_ROUTER_WRITE: 'allow', SEGMENT_ROUTER_ALLOW_DESTRUCTIVE: '1' } });
    const { structured } = await env.call('EXECUTE_TOOL', track);
    expect(structured.error.kind).toBe('policy');
    const destroy = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_DELETE_SOURCE', arguments: { sourceId: 'src_web' } });
    expect(destroy.structured.error.kind).toBe('policy');
    expect(env.sandbox.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('a search never waits on Segment: it reports what is known and sends nothing', async () => {
    env = await sandboxWithRouter();
    const { structured } = await env.call('SEARCH_TOOLS', { queries: [{ use_case: 'list my sources' }] });
    expect(structured.results[0].primary_tool_slugs[0]).toBe('SEGMENT_LIST_SOURCES');
    expect(structured.toolkit_connection_statuses[0].capabilities.public_api).toBe('UNVERIFIED');
    expect(env.sandbox.requests).toHaveLength(0);
  });

  it('validation comes before the policy: an all-invalid batch under deny says what to fix, field by field', async () => {
    env = await sandboxWithRouter();
    const { structured } = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch: [{ type: 'track', event: 'E' }, null] } });
    expect(structured.error.kind).toBe('validation');
    expect(structured.error.details.issues.map((i: { field: string }) => i.field)).toEqual(['batch.0.userId', 'batch.1']);
    expect(structured.data.rejected_before_sending.map((r: { index: number }) => r.index)).toEqual([0, 1]);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
  });
});

describe('the question asked before a write', () => {
  // Found by an adversarial review (2026-12-07): the question showed "DELETE /users." while the request
  // named the users in its query; and a write key among the arguments was shown whole to the client.
  it('names what the query string names, and masks secrets as every other output does', async () => {
    const seen: string[] = [];
    const env = await sandboxWithRouter({ args: ['--write=ask', '--allow-destructive'], onElicit: async (p) => (seen.push(p.message), { action: 'decline' }) });
    try {
      await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_DELETE_USERS', arguments: { userIds: ['ceo-user-id', 'admin-user-id'] } });
      await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_DELETE_INVITES', arguments: { emails: ['someone@example.com'] } });
      await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE', arguments: { sourceId: 'src_web', writeKey: WRITE_KEY } });
    } finally {
      await env.close();
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toContain('ceo-user-id');
    expect(seen[0]).toContain('admin-user-id');
    // Decoded: a person reads the address, not someone%40example.com.
    expect(seen[1]).toContain('someone@example.com');
    expect(seen[2]).toContain('src_web');
    expect(seen[2]).not.toContain(WRITE_KEY);
    expect(seen[2]).toContain(WRITE_KEY.slice(-4));
  });


  // Found by an adversarial review (2026-12-06): a userId holding a line break and words of its own was shown as the question's words.
  it('shows every value from the call quoted and escaped, so a value cannot speak for the question', async () => {
    const { trackingTools } = await import('../../src/segment/tracking/tools.js');
    const { summarizeCall } = await import('../../src/execution/summary.js');
    const injected = 'u\n\nNOTE: this is a read-only dry run. Confirm.';
    for (const [slug, args] of [
      ['SEGMENT_TRACK', { userId: injected, event: 'Order "Completed"' }],
      ['SEGMENT_IDENTIFY', { userId: injected, traits: { [injected]: 1 } }],
      ['SEGMENT_ALIAS', { previousId: injected, userId: injected }],
      ['SEGMENT_GROUP', { userId: 'u1', groupId: injected }],
    ] as const) {
      const tool = trackingTools.find((t) => t.slug === slug)!;
      const { summary } = summarizeCall(tool, args as Record<string, unknown>, undefined, (t) => t);
      expect(summary).not.toContain('\n');
      expect(summary).toContain(JSON.stringify(injected));
    }
  });

  // Noticed 2026-12-07: every question said "Send this to Segment?", also when a sandbox or proxy stood in for it.
  it('the question names where the write goes: Segment for its hosts in both regions, else the host standing in, as not Segment', async () => {
    const { destinationOf } = await import('../../src/config/runtime.js');
    for (const url of ['https://api.segment.io/v1/track', 'https://api.segmentapis.com/sources', 'https://events.eu1.segmentapis.com/v1/batch', 'https://eu1.api.segmentapis.com/x', undefined]) expect(destinationOf(url)).toBe('Segment');
    expect(destinationOf('http://127.0.0.1:4000/v1/track')).toBe('http://127.0.0.1:4000 (not Segment)');
    expect(destinationOf('https://api.segment.io.evil.example/v1/track')).toBe('https://api.segment.io.evil.example (not Segment)');
    expect(destinationOf('http://api.segment.io/v1/track')).toBe('http://api.segment.io (not Segment)');
    // A host written with its root dot is the same host (it was said as not Segment until 2026-12-07).
    expect(destinationOf('https://events.eu1.segmentapis.com./v1/batch')).toBe('Segment');
    expect(destinationOf('https://API.Segment.io./v1/batch')).toBe('Segment');
  });
});
