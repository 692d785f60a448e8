import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecrets, sandboxWithRouter, TOKEN } from '../../helpers/router.js';

/**
 * The six Public API tools of the issue, end to end: the built binary over stdio, the official MCP
 * client, the sandbox as Segment, under each write policy. Run `npx tsc -p .` first.
 */
type Env = Awaited<ReturnType<typeof sandboxWithRouter>>;
let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const exec = async (e: Env, tool_slug: string, args: Record<string, unknown> = {}) => {
  const r = await e.call('EXECUTE_TOOL', { tool_slug, arguments: args });
  expectNoSecrets(r.text, JSON.stringify(r.structured), e.router.stderr());
  return r;
};

const READS: [string, Record<string, unknown>][] = [
  ['SEGMENT_GET_WORKSPACE', {}],
  ['SEGMENT_LIST_SOURCES', {}],
  ['SEGMENT_GET_SOURCE', { sourceId: 'src_web' }],
  ['SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', { sourceId: 'src_web' }],
  ['SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE', { sourceId: 'src_web' }],
];
const UPDATE = { sourceId: 'src_web', name: 'Renamed by agent', enabled: false };
const patches = (e: Env) => e.sandbox.requests.filter((r) => r.method === 'PATCH');

describe.each(['deny', 'ask', 'allow'])('Public API over stdio, --write=%s', (policy) => {
  it('runs the reads', async () => {
    env = await sandboxWithRouter({ args: [`--write=${policy}`], onElicit: async () => ({ action: 'accept', content: { confirm: true } }) });
    for (const [slug, args] of READS) {
      const r = await exec(env, slug, args);
      expect(r.result.isError, `${slug}: ${r.text.slice(0, 300)}`).toBeFalsy();
      expect(r.structured.successful).toBe(true);
    }
    const sources = await exec(env, 'SEGMENT_LIST_SOURCES');
    expect(sources.structured.data.sources.map((s: { id: string }) => s.id)).toEqual(['src_web', 'src_ios', 'src_server', 'src_android', 'src_warehouse']);
    const warehouses = await exec(env, 'SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE', { sourceId: 'src_web' });
    expect(warehouses.structured.data.warehouses.map((w: { id: string }) => w.id)).toEqual(['wh_snowflake', 'wh_bigquery']);
    const settings = await exec(env, 'SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', { sourceId: 'src_web' });
    expect(settings.structured.data).toMatchObject({ sourceId: 'src_web', settings: { track: { allowUnplannedEvents: true } } });
    const ws = await exec(env, 'SEGMENT_GET_CURRENT_USER');
    expect(ws.structured).toMatchObject({ successful: true, tool_slug: 'SEGMENT_GET_WORKSPACE', data: { workspace: { id: 'ws_sandbox' } } });
    // The source's write key is the configured secret: it is masked in what the agent reads.
    const source = await exec(env, 'SEGMENT_GET_SOURCE', { sourceId: 'src_web' });
    expect(source.structured.data.source.writeKeys[0]).toMatch(/^\*{4}/);
  });
});

describe('SEGMENT_UPDATE_SOURCE under each policy', () => {
  it('deny: refused, nothing reaches the sandbox', async () => {
    env = await sandboxWithRouter({ args: ['--write=deny'] });
    await exec(env, 'SEGMENT_GET_WORKSPACE');
    const before = env.sandbox.requests.length;
    const r = await exec(env, 'SEGMENT_UPDATE_SOURCE', UPDATE);
    expect(r.result.isError).toBe(true);
    expect(r.structured.error).toMatchObject({ kind: 'policy' });
    expect(env.sandbox.requests.length).toBe(before);
    expect(patches(env)).toHaveLength(0);
  });

  it('ask: sent once the user confirms', async () => {
    const asked: string[] = [];
    env = await sandboxWithRouter({ args: ['--write=ask'], onElicit: async (p) => (asked.push(p.message), { action: 'accept', content: { confirm: true } }) });
    const r = await exec(env, 'SEGMENT_UPDATE_SOURCE', UPDATE);
    expect(r.structured).toMatchObject({ successful: true, data: { source: { name: 'Renamed by agent', enabled: false } } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('SEGMENT_UPDATE_SOURCE');
    expect(asked[0]).toMatch(/PATCH \/sources\/src_web with \{.*Renamed by agent/);
    expect(patches(env)).toHaveLength(1);
  });

  it('ask: not sent when the user declines', async () => {
    env = await sandboxWithRouter({ args: ['--write=ask'], onElicit: async () => ({ action: 'decline' }) });
    const r = await exec(env, 'SEGMENT_UPDATE_SOURCE', UPDATE);
    expect(r.structured.error).toMatchObject({ kind: 'policy' });
    expect(patches(env)).toHaveLength(0);
  });

  it('allow: sent, and a read shows the change', async () => {
    env = await sandboxWithRouter({ args: ['--write=allow'] });
    const r = await exec(env, 'SEGMENT_UPDATE_SOURCE', UPDATE);
    expect(r.structured.successful).toBe(true);
    const g = await exec(env, 'SEGMENT_GET_SOURCE', { sourceId: 'src_web' });
    expect(g.structured.data.source).toMatchObject({ name: 'Renamed by agent', enabled: false });
    const patch = patches(env)[0]!;
    expect(patch).toMatchObject({ path: '/sources/src_web', contentType: 'application/vnd.segment.v1+json', accept: 'application/vnd.segment.v1+json' });
  });
});

describe('errors and paging over stdio', () => {
  it('maps 401, 404, 422 and 429 to results an agent can act on', async () => {
    env = await sandboxWithRouter({ args: ['--write=allow'] });
    const nf = await exec(env, 'SEGMENT_GET_SOURCE', { sourceId: 'src_nope' });
    expect(nf.result.isError).toBe(true);
    expect(nf.structured.error).toMatchObject({ kind: 'not_found', status: 404 });
    expect(nf.structured.error.message).toContain('src_nope');

    const invalid = await exec(env, 'SEGMENT_UPDATE_SOURCE', { sourceId: 'src_web', slug: 'Bad Slug!' });
    expect(invalid.structured.error).toMatchObject({ kind: 'validation', status: 422, details: { fields: [{ field: 'slug' }] } });

    env.sandbox.publicApi.throttle = { count: 2, msBeforeNext: 30 };
    const slowed = await exec(env, 'SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', { sourceId: 'src_web' });
    expect(slowed.structured.successful).toBe(true);
    env.sandbox.publicApi.throttle = { count: 1000, msBeforeNext: 5 };
    const limited = await exec(env, 'SEGMENT_LIST_SOURCES');
    expect(limited.structured.error).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(limited.structured.error.hint).toMatch(/Wait at least/);
    env.sandbox.publicApi.throttle = undefined;

    env.sandbox.faults.add({ path: '/sources/src_web/connected-warehouses', status: 401 });
    const refused = await exec(env, 'SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE', { sourceId: 'src_web' });
    expect(refused.structured.error).toMatchObject({ kind: 'auth', status: 401 });
    const conn = await env.call('MANAGE_CONNECTIONS', {});
    expect(conn.structured.results[0].capabilities.public_api.state).toBe('EXPIRED');
    expectNoSecrets(conn.text);
  });

  it('all_pages follows cursors across the list', async () => {
    env = await sandboxWithRouter();
    const r = await exec(env, 'SEGMENT_LIST_SOURCES', { all_pages: true, pagination: { count: 2 } });
    expect(r.structured.data).toMatchObject({ pages_fetched: 3, complete: true });
    expect(r.structured.data.sources).toHaveLength(5);
    const page = await exec(env, 'SEGMENT_LIST_SOURCES', { pagination: { count: 2 } });
    expect(page.structured.data.next_cursor).toBeTruthy();
  });

  it('a dry run shows the exact request with the token masked, and sends nothing', async () => {
    env = await sandboxWithRouter();
    const r = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_UPDATE_SOURCE', arguments: { sourceId: '../workspace', enabled: true }, dry_run: true });
    expectNoSecrets(r.text);
    const req = r.structured.data.requests[0];
    expect(req).toMatchObject({ method: 'PATCH', body: { enabled: true } });
    expect(req.url).toMatch(/\/sources\/\.\.%2Fworkspace$/);
    expect(req.headers.Authorization).toBe(`Bearer <token ****${TOKEN.slice(-4)}>`);
    expect(env.sandbox.requests).toHaveLength(0);
  });
});
