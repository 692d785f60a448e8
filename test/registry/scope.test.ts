import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecrets, sandboxWithRouter } from '../helpers/router.js';
import { runCli } from '../helpers/cli-process.js';

let env: Awaited<ReturnType<typeof sandboxWithRouter>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('scoping: --toolsets and --tools restrict what every meta tool sees', () => {
  it('search finds only tools in scope, and EXECUTE_TOOL cannot reach the rest', async () => {
    env = await sandboxWithRouter({ args: ['--write=allow', '--tools=SEGMENT_TRACK,SEGMENT_IDENTIFY'] });
    const search = await env.call('SEARCH_TOOLS', { queries: [{ use_case: 'record a page view' }, { use_case: 'send many events in one batch' }] });
    const named = search.structured.results.flatMap((r: { primary_tool_slugs: string[]; related_tool_slugs: string[] }) => [...r.primary_tool_slugs, ...r.related_tool_slugs]);
    expect(named.length).toBeGreaterThan(0);
    for (const slug of named) expect(['SEGMENT_TRACK', 'SEGMENT_IDENTIFY']).toContain(slug);
    expect(Object.keys(search.structured.tool_schemas).sort()).toEqual([...new Set(named)].sort());

    const outside = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_PAGE', arguments: { userId: 'u', name: 'Home' } });
    expect(outside.structured.error.kind).toBe('unknown_tool');
    // Found by an adversarial review (2026-12-07): a tool left out by the scope read as one that does not exist ("find the right slug with search").
    expect(outside.structured.error.message).toMatch(/SEGMENT_PAGE is left out of this server's scope \(it is in the "tracking" toolset/);
    expect(outside.structured.error.hint).toContain('--toolsets tracking');
    const nothing = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_NO_SUCH_THING', arguments: {} });
    expect(nothing.structured.error.message).toMatch(/No tool "SEGMENT_NO_SUCH_THING"/);
    const inside = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Scoped' } });
    expect(inside.structured.successful).toBe(true);
    expect(env.sandbox.events.map((e) => e.type)).toEqual(['track']);
    expectNoSecrets(search.text, outside.text, inside.text);
  });

  it('--toolsets=tracking keeps the tracking tools', async () => {
    env = await sandboxWithRouter({ args: ['--toolsets=tracking'] });
    const search = await env.call('SEARCH_TOOLS', { queries: [{ use_case: 'identify a user' }] });
    const slugs: string[] = Object.keys(search.structured.tool_schemas);
    expect(slugs).toContain('SEGMENT_IDENTIFY');
    for (const s of slugs) expect(search.structured.tool_schemas[s].access).toBeDefined();
  });

  it('an unknown toolset stops serve with a usage error listing the valid ones', async () => {
    const r = await runCli(['serve', '--toolsets=tracking,marketing']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown toolset "marketing"\. Valid toolsets: [a-z_, -]*tracking/);
    const t = await runCli(['serve', '--tools=SEGMENT_TRACK,SEGMENT_NOPE']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('Unknown tool "SEGMENT_NOPE" in --tools');
  });

  it('the CLI uses the same scope', async () => {
    const r = await runCli(['search', 'record a page view', '--tools=SEGMENT_TRACK', '--json']);
    expect(r.code).toBe(0);
    for (const slug of Object.keys(JSON.parse(r.stdout).tool_schemas)) expect(slug).toBe('SEGMENT_TRACK');
    const call = await runCli(['call', 'SEGMENT_PAGE', '--args', '{"userId":"u"}', '--tools=SEGMENT_TRACK', '--json']);
    expect(call.code).toBe(2);
    expect(JSON.parse(call.stdout).error.kind).toBe('unknown_tool');
    const text = await runCli(['call', 'SEGMENT_PAGE', '--args', '{"userId":"u"}', '--toolsets=sources']);
    expect(text.stderr).toMatch(/SEGMENT_PAGE is left out of this command's scope/);
    expect(text.stderr).toContain('Add --toolsets tracking (or --tools SEGMENT_PAGE), or leave out --toolsets and --tools.');
  });
});
