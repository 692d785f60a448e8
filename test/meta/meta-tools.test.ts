import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, sandboxWithRouter, trackingRequests } from '../helpers/router.js';

type Env = Awaited<ReturnType<typeof sandboxWithRouter>>;

describe('the server as an MCP client sees it', () => {
  let env: Env;
  beforeAll(async () => {
    env = await sandboxWithRouter();
  });
  afterAll(() => env.close());

  // Found by an adversarial review (2026-12-07): an SDK client checks each answer against the output schema of a
  // tool it has listed; RUN_SCRIPT's schema forbade every key but three, and every answer was refused (-32602).
  it('each meta tool\'s answers fit its own output schema, as a client that listed the tools checks them', async () => {
    await env.router.client.listTools();
    const script = await env.router.client.callTool({ name: 'RUN_SCRIPT', arguments: { script: "const s = await tools.call('SEGMENT_LIST_SOURCES', {}); return 1 + 1;" } });
    expect(script.structuredContent).toMatchObject({ successful: true, result: 2, tool_calls: { total: 1 } });
    const search = await env.router.client.callTool({ name: 'SEARCH_TOOLS', arguments: { queries: [{ use_case: 'track an event' }] } });
    expect(search.structuredContent).toBeDefined();
    const status = await env.router.client.callTool({ name: 'MANAGE_CONNECTIONS', arguments: {} });
    expect(status.structuredContent).toBeDefined();
    const run = await env.router.client.callTool({ name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: {} } });
    expect(run.structuredContent).toMatchObject({ successful: true });
  });

  it('lists exactly the four meta tools, each fully described with honest annotations', async () => {
    const { tools } = await env.router.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['EXECUTE_TOOL', 'MANAGE_CONNECTIONS', 'RUN_SCRIPT', 'SEARCH_TOOLS']);
    for (const t of tools) {
      expect(t.title).toBeTruthy();
      expect(t.description!.length).toBeGreaterThan(40);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
      expect(Object.keys(t.annotations ?? {}).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t.annotations!]));
    expect(byName.SEARCH_TOOLS!.readOnlyHint).toBe(true);
    expect(byName.EXECUTE_TOOL!.readOnlyHint).toBe(false);
    expect(byName.EXECUTE_TOOL!.openWorldHint).toBe(true);
    expect(byName.MANAGE_CONNECTIONS!.openWorldHint).toBe(false);
    expect(byName.RUN_SCRIPT).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
  });

  it('SEARCH_TOOLS answers each query with slugs, schemas, pitfalls and the connection status', async () => {
    const { result, structured } = await env.call('SEARCH_TOOLS', { queries: [{ use_case: 'track an event when a user completes an order' }, { use_case: 'link an anonymous visitor to their new account' }] });
    expect(result.isError).toBeFalsy();
    expect(structured.results).toHaveLength(2);
    expect(structured.results[0].primary_tool_slugs).toContain('SEGMENT_TRACK');
    expect(structured.results[1].primary_tool_slugs).toContain('SEGMENT_ALIAS');
    const track = structured.tool_schemas.SEGMENT_TRACK;
    expect(track.access).toBe('write');
    expect(track.input_schema.properties.event).toBeDefined();
    expect(track.pitfalls.join(' ')).toMatch(/userId or anonymousId/);
    expect(track.blocked_by_policy).toMatch(/--write=ask/);
    expect(structured.toolkit_connection_statuses[0]).toMatchObject({ toolkit: 'segment', status: 'ACTIVE' });
  });

  it('MANAGE_CONNECTIONS reports ACTIVE with the workspace the token acts for, and never a secret', async () => {
    const { structured, text } = await env.call('MANAGE_CONNECTIONS', { toolkits: ['segment'], action: 'verify' });
    const s = structured.results[0];
    expect(s.status).toBe('ACTIVE');
    expect(s.capabilities.public_api.state).toBe('ACTIVE');
    expect(s.workspace).toMatchObject({ id: 'ws_sandbox', slug: 'sandbox' });
    expectNoSecrets(text, JSON.stringify(structured), env.router.stderr());
  });

  it('EXECUTE_TOOL resolves slugs written any way, and suggests the closest for unknown ones', async () => {
    for (const slug of ['SEGMENT_TRACK', 'segment_track', 'segment-track', 'integration__segment__segment_track', 'Segment Track']) {
      const { structured } = await env.call('EXECUTE_TOOL', { tool_slug: slug, arguments: { userId: 'u1', event: 'Order Completed' }, dry_run: true });
      expect(structured.successful, slug).toBe(true);
      expect(structured.tool_slug).toBe('SEGMENT_TRACK');
    }
    const { result, structured } = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRAKC', arguments: {} });
    expect(result.isError).toBe(true);
    expect(structured.error.kind).toBe('unknown_tool');
    expect(structured.error.hint).toContain('SEGMENT_TRACK');
    // A meta tool passed as the slug is said as one (it read "No tool ... in this server's scope" until 2026-12-07).
    const meta = await env.call('EXECUTE_TOOL', { tool_slug: 'search_tools', arguments: { use_case: 'list sources' } });
    expect(meta.structured.error.kind).toBe('unknown_tool');
    expect(meta.structured.error.message).toMatch(/SEARCH_TOOLS is one of this server's own tools, not a Segment tool/);
    expect(meta.structured.error.hint).toMatch(/Call SEARCH_TOOLS itself/);
  });

  it('names every bad field, accepts JSON-string arguments and refuses malformed JSON, sending nothing', async () => {
    env.sandbox.reset();
    const bad = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { event: 42, timestamp: '2026-01-01 10:00', messageId: 'x'.repeat(101), user_id: 'u1' } });
    expect(bad.result.isError).toBe(true);
    const fields = bad.structured.error.details.issues.map((i: { field: string }) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['event', 'timestamp', 'messageId', 'userId', '(arguments)']));
    expect(bad.structured.error.message).toMatch(/user_id/);
    expect(bad.structured.error.message).toMatch(/ISO-8601/);

    const str = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_IDENTIFY', arguments: '{"userId":"u1","traits":{"plan":"pro"}}', dry_run: true });
    expect(str.structured.successful).toBe(true);
    const broken = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_IDENTIFY', arguments: '{"userId": "u1",' });
    expect(broken.result.isError).toBe(true);
    expect(broken.structured.error.message).toMatch(/not valid JSON/);

    const noId = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_PAGE', arguments: { name: 'Home' } });
    expect(noId.structured.error.message).toMatch(/userId or anonymousId/);
    const alias = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_ALIAS', arguments: { userId: 'u1' } });
    expect(alias.structured.error.message).toMatch(/previousId/);
    const group = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_GROUP', arguments: { userId: 'u1' } });
    expect(group.structured.error.message).toMatch(/groupId/);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
  });

  it('dry run returns the exact request with the write key masked, and sends nothing', async () => {
    env.sandbox.reset();
    const { structured, text } = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Order Completed', properties: { total: 30 } }, dry_run: true });
    const req = structured.data.requests[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`${env.sandbox.url}/v1/track`);
    expect(req.headers.Authorization).toMatch(/^Basic <write key \*{4}6789>$/);
    expect(req.body).toMatchObject({ userId: 'u1', event: 'Order Completed', properties: { total: 30 }, context: { library: { name: 'segment-router' } } });
    expect(req.body.messageId).toBeTruthy();
    expect(req.body.timestamp).toBeTruthy();
    expect(structured.data.sent).toBe(false);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
    expectNoSecrets(text);
  });

  it('runs up to 50 calls in parallel and reports each; more than 50 is refused', async () => {
    const tools = Array.from({ length: 50 }, (_, i) => ({ tool_slug: i % 2 ? 'SEGMENT_TRACK' : 'SEGMENT_NOPE', arguments: { userId: `u${i}`, event: 'E' }, dry_run: true }));
    const { structured } = await env.call('EXECUTE_TOOL', { tools });
    expect(structured.results).toHaveLength(50);
    expect(structured.results.filter((r: { successful: boolean }) => r.successful)).toHaveLength(25);
    expect(structured.successful).toBe(false);
    const tooMany = await env.call('EXECUTE_TOOL', { tools: [...tools, tools[0]] });
    expect(tooMany.result.isError).toBe(true);
    expect(tooMany.structured.error.message).toMatch(/1 to 50/);
  });

  it('refuses writes under the default deny policy: nothing reaches Segment', async () => {
    env.sandbox.reset();
    const { result, structured } = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Order Completed' } });
    expect(result.isError).toBe(true);
    expect(structured.error.kind).toBe('policy');
    expect(structured.error.hint).toMatch(/--write=ask/);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
  });
});
