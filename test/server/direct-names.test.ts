import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { MODEL_NAME_LIMIT, shortName } from '../../src/registry/short-names.js';
import { directName } from '../../src/registry/slug.js';
import { runCli } from '../helpers/cli-process.js';
import { sandboxWithRouter } from '../helpers/router.js';

const registry = loadRegistry();
let env: Awaited<ReturnType<typeof sandboxWithRouter>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('--tool-names=short: direct names every model API accepts', () => {
  it('every tool in the registry gets a unique name within 64 characters, the same every time', () => {
    const names = registry.tools.map((t) => shortName(t.slug));
    for (const n of names) {
      expect(n.length, n).toBeLessThanOrEqual(MODEL_NAME_LIMIT);
      expect(n).toMatch(/^[a-z0-9_]+$/);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(registry.tools.map((t) => shortName(t.slug))).toEqual(names);
    // The default names are the ones some APIs refuse: the short style exists for a reason.
    expect(registry.tools.filter((t) => directName(t.slug).length > MODEL_NAME_LIMIT).length).toBeGreaterThan(0);
  });

  it('a name that fits is the slug in lower case; only the longest are abbreviated, by whole words', () => {
    expect(shortName('SEGMENT_LIST_SOURCES')).toBe('segment_list_sources');
    expect(shortName('SEGMENT_GET_EGRESS_FAILED_METRICS_FROM_DELIVERY_OVERVIEW')).toBe('segment_get_egress_failed_metrics_from_delivery_overview');
    expect(shortName('SEGMENT_LIST_REVERSE_ETL_SYNC_STATUSES_FROM_MODEL_AND_SUBSCRIPTION_ID')).toBe('segment_list_reverse_etl_sync_statuses_from_model_and_sub_id');
    // Past the table: a cut plus a hash of the whole slug, still unique and within the limit.
    const a = shortName(`SEGMENT_${'ZYXWVU_'.repeat(12)}A`);
    const b = shortName(`SEGMENT_${'ZYXWVU_'.repeat(12)}B`);
    expect(a.length).toBeLessThanOrEqual(MODEL_NAME_LIMIT);
    expect(a).not.toBe(b);
  });

  it('serve lists and runs the tools under those names; the default stays integration__segment__<slug>', async () => {
    env = await sandboxWithRouter({ args: ['--tools-mode=direct', '--tool-names=short', '--write=allow', '--allow-destructive'] });
    const { tools } = await env.router.client.listTools();
    expect(tools).toHaveLength(registry.size);
    for (const t of tools) expect(t.name.length, t.name).toBeLessThanOrEqual(MODEL_NAME_LIMIT);
    expect(tools.map((t) => t.name).sort()).toEqual(registry.tools.map((t) => shortName(t.slug)).sort());
    const ok = await env.call('segment_track', { userId: 'u_short', event: 'Short Named' });
    expect(ok.structured).toMatchObject({ successful: true, tool_slug: 'SEGMENT_TRACK' });
    await expect(env.call('integration__segment__segment_track', { userId: 'u', event: 'E' })).rejects.toThrow(/Unknown tool/);
    expect(env.router.stderr()).not.toContain('longer than 64');
  });

  it('--tool-names is refused outside direct mode and for an unknown style', async () => {
    const meta = await runCli(['serve', '--tool-names=short']);
    expect(meta.code).toBe(2);
    expect(meta.stderr).toContain('--tool-names applies to --tools-mode=direct only');
    const bad = await runCli(['serve', '--tools-mode=direct', '--tool-names=tiny']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tool-names must be full or short');
  });
});
