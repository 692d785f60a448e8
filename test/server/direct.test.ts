import { hintsFor } from '../../src/hints/hints.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { directName } from '../../src/registry/slug.js';
import { callTool, expectNoSecrets, sandboxWithRouter } from '../helpers/router.js';

const registry = loadRegistry();
let env: Awaited<ReturnType<typeof sandboxWithRouter>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function direct(args: string[]) {
  const started = Date.now();
  env = await sandboxWithRouter({ args: ['--tools-mode=direct', ...args] });
  const { tools } = await env.router.client.listTools();
  return { tools, ms: Date.now() - started, byName: new Map(tools.map((t) => [t.name, t])) };
}

describe('serve --tools-mode=direct', () => {
  it('lists every tool in scope under its stable name, with its full schema and honest annotations', async () => {
    const { tools, byName, ms } = await direct(['--write=allow', '--allow-destructive']);
    // Start-up figure for the README: spawn, initialize and the first tools/list with every schema.
    console.log(`direct mode: ${tools.length} tools listed ${ms} ms after spawn`);
    expect(tools.map((t) => t.name).sort()).toEqual(registry.tools.map((t) => directName(t.slug)).sort());
    for (const def of registry.tools) {
      const t = byName.get(directName(def.slug))!;
      expect(t.name).toMatch(/^integration__segment__[a-z0-9_]+$/);
      const { $schema: _s, ...schema } = def.inputJsonSchema();
      expect(t.inputSchema).toEqual(schema);
      expect(t.annotations).toEqual({
        title: def.title,
        readOnlyHint: def.access === 'read',
        destructiveHint: def.access === 'destructive',
        idempotentHint: def.access === 'read',
        openWorldHint: true,
      });
    }
    expect(byName.get('integration__segment__segment_track')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, openWorldHint: true });
  });

  it('runs a direct tool through the same executor: validated, sent, answered like EXECUTE_TOOL', async () => {
    await direct(['--write=allow']);
    const ok = await env!.call('integration__segment__segment_track', { userId: 'u_direct', event: 'Direct Called' });
    expect(ok.structured).toMatchObject({ successful: true, tool_slug: 'SEGMENT_TRACK', data: { accepted: true } });
    expect(env!.sandbox.events.map((e) => e.event)).toEqual(['Direct Called']);
    const bad = await env!.call('integration__segment__segment_track', { userId: 'u_direct' });
    expect(bad.result.isError).toBe(true);
    expect(bad.structured.error.kind).toBe('validation');
    expect(env!.sandbox.events).toHaveLength(1);
    expectNoSecrets(ok.text, bad.text, env!.router.stderr());
  });

  it('under --write=ask, lists write tools and confirms each call through elicitation', async () => {
    const asked: string[] = [];
    env = await sandboxWithRouter({
      args: ['--tools-mode=direct', '--write=ask'],
      onElicit: async ({ message }) => {
        asked.push(message);
        return { action: asked.length === 1 ? 'accept' : 'decline', content: { confirm: true } };
      },
    });
    const names = (await env.router.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('integration__segment__segment_track');
    const yes = await env.call('integration__segment__segment_track', { userId: 'u_ask', event: 'Confirmed' });
    expect(yes.structured.successful).toBe(true);
    const no = await env.call('integration__segment__segment_track', { userId: 'u_ask', event: 'Declined' });
    expect(no.structured.error.kind).toBe('policy');
    expect(asked[0]).toContain('send the event "Confirmed" for "u_ask"');
    expect(env.sandbox.events.map((e) => e.event)).toEqual(['Confirmed']);
  });

  it('hides write tools under --write=deny, and still refuses one called by name', async () => {
    const { tools, byName } = await direct([]);
    for (const t of tools) expect(t.annotations?.readOnlyHint).toBe(true);
    expect(byName.has('integration__segment__segment_track')).toBe(false);
    expect(tools).toHaveLength(registry.tools.filter((t) => t.access === 'read').length);
    const refused = await env!.call('integration__segment__segment_track', { userId: 'u', event: 'Nope' });
    expect(refused.result.isError).toBe(true);
    expect(refused.structured.error.kind).toBe('policy');
    expect(env!.sandbox.events).toHaveLength(0);
  });

  it('hides destructive tools unless --allow-destructive', async () => {
    const { tools } = await direct(['--write=allow']);
    expect(tools.filter((t) => t.annotations?.destructiveHint)).toEqual([]);
    expect(tools).toHaveLength(registry.tools.filter((t) => t.access !== 'destructive').length);
  });

  it('lists only the scoped tools, and an unknown name is a protocol error', async () => {
    const { tools } = await direct(['--write=allow', '--tools=SEGMENT_TRACK,segment-identify']);
    expect(tools.map((t) => t.name).sort()).toEqual(['integration__segment__segment_identify', 'integration__segment__segment_track']);
    await expect(callTool(env!.router.client, 'integration__segment__segment_page', { userId: 'u' })).rejects.toThrow(/Unknown tool/);
    await expect(callTool(env!.router.client, 'SEGMENT_TRACK', { userId: 'u', event: 'x' })).rejects.toThrow(/Unknown tool/);
  });

  it('speaks of what direct mode has: its tools by their names, the operator\'s commands; never SEARCH_TOOLS, MANAGE_CONNECTIONS or dry_run', async () => {
    const meta = /SEARCH_TOOLS|MANAGE_CONNECTIONS|EXECUTE_TOOL|dry_run/;
    await direct([]);
    const refused = await env!.call('integration__segment__segment_track', { userId: 'u', event: 'Nope' });
    expect(refused.structured.error.kind).toBe('policy');
    expect(refused.structured.error.hint).toContain('--write=');
    const invalid = await env!.call('integration__segment__segment_get_source', {});
    expect(invalid.structured.error.kind).toBe('validation');
    expect(invalid.structured.error.hint).toContain('inputSchema');
    const missing = await env!.call('integration__segment__segment_get_source', { sourceId: 'src_nowhere' });
    expect(missing.structured.error.hint).toContain('integration__segment__segment_list_sources');
    for (const r of [refused, invalid, missing]) expect(r.structured.error.hint).not.toMatch(meta);
    // Found by the review of the mends (2026-12-07): a refused token still said to check MANAGE_CONNECTIONS.
    expect(hintsFor('direct').tokenRefused()).not.toMatch(meta);
    for (const [name, hint] of Object.entries(hintsFor('direct'))) if (typeof hint === 'function' && hint.length === 0) expect(String((hint as () => string)()), name).not.toMatch(meta);
    await env!.close();

    env = await sandboxWithRouter({ args: ['--tools-mode=direct', '--tool-names=short'] });
    const short = await env.call('segment_get_source', { sourceId: 'src_nowhere' });
    expect(short.structured.error.hint).toContain('segment_list_sources');
    expect(short.structured.error.hint).not.toContain('integration__segment__');
    await env.close();

    env = await sandboxWithRouter({ args: ['--tools-mode=direct', '--write=allow'], env: { SEGMENT_WRITE_KEY: undefined, SEGMENT_PUBLIC_API_TOKEN: undefined } });
    const unconnected = await env.call('integration__segment__segment_track', { userId: 'u', event: 'Nope' });
    expect(unconnected.result.isError).toBe(true);
    expect(unconnected.structured.error.hint).toContain('segment-router connections add');
    expect(unconnected.structured.error.hint).not.toMatch(meta);
  });
});
