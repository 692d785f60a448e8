import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/registry/index.js';
import { CLI, sandboxWithRouter, trackingRequests } from '../helpers/router.js';
import { documentedEnvVars, readSkill, segmentNames, SKILL_DIR, type JsonExample } from './skill-md.js';

/**
 * SKILL.md is tested against the real tools: every slug it names resolves, every JSON example passes
 * its tool's schema through EXECUTE_TOOL (dry run over stdio), the quick reference's required markers
 * match the schemas, and the lifecycle pattern runs end to end against the sandbox.
 */

const doc = readSkill();
const registry = loadRegistry();
const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { bin: Record<string, string> };

const where = (ex: JsonExample) => `SKILL.md:${ex.line} (${ex.headings.at(-1) ?? 'top'})`;
const byTool = (tool: string) => doc.examples.filter((e) => e.tool === tool);
const executeCalls = (ex: JsonExample): { tool_slug: string; arguments?: unknown }[] =>
  (ex.value!.tools as { tool_slug: string; arguments?: unknown }[] | undefined) ?? [ex.value as { tool_slug: string; arguments?: unknown }];
const schemaOf = (slug: string) => registry.get(slug)!.inputJsonSchema() as { properties?: Record<string, unknown>; required?: string[] };
const metaCommand = () => String((doc.frontMatter.metadata as Record<string, unknown>)['mcp-command']).trim().split(/\s+/);

describe('SKILL.md front matter', () => {
  const fm = doc.frontMatter;

  it('names the skill after its folder, in the form skill loaders accept', () => {
    expect(fm.name).toBe(basename(SKILL_DIR));
    expect(String(fm.name)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(String(fm.name).length).toBeLessThanOrEqual(64);
  });

  it('describes what it does and when to use it', () => {
    expect(typeof fm.description).toBe('string');
    expect(String(fm.description).length).toBeGreaterThan(80);
    expect(String(fm.description).length).toBeLessThanOrEqual(1024);
    expect(String(fm.description)).toMatch(/segment-router/);
  });

  it('names the MCP server it requires, with a stdio command the binary accepts', () => {
    expect(typeof fm.compatibility).toBe('string');
    expect(String(fm.compatibility).length).toBeLessThanOrEqual(500);
    expect(String(fm.compatibility)).toMatch(/segment-router/);
    const meta = fm.metadata as Record<string, unknown>;
    expect(meta, 'metadata').toBeTypeOf('object');
    // The Agent Skills format keeps metadata a flat map of strings.
    for (const [k, v] of Object.entries(meta)) expect(typeof v, `metadata.${k}`).toBe('string');
    expect(meta['mcp-server']).toBe('segment-router');
    expect(meta['mcp-transport']).toBe('stdio');
    const [bin, command, ...flags] = metaCommand();
    expect(Object.keys(pkg.bin)).toContain(bin);
    expect(command).toBe('serve');
    const help = spawnSync(process.execPath, [CLI, 'serve', ...flags, '--help'], { encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
  });

  it('shows the same server in its client configuration example', () => {
    const configs = byTool('client-config');
    expect(configs.length).toBeGreaterThan(0);
    const meta = doc.frontMatter.metadata as Record<string, string>;
    for (const ex of configs) {
      const server = (ex.value!.mcpServers as Record<string, { command: string; args: string[]; type?: string }>)[meta['mcp-server']!];
      expect(server, where(ex)).toBeDefined();
      expect([server!.command, ...server!.args]).toEqual(metaCommand());
      expect(server!.type ?? 'stdio').toBe('stdio');
    }
  });
});

describe('SKILL.md against the registry', () => {
  it('every SEGMENT_* slug it names resolves (environment variables the README documents aside)', () => {
    const env = documentedEnvVars();
    const names = segmentNames(doc.text).filter((n) => !env.has(n));
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((n) => !registry.resolve(n).ok)).toEqual([]);
  });

  it('every JSON block parses and is the input of one meta tool', () => {
    const bad = doc.examples.filter((e) => e.parseError || !e.tool).map((e) => `${where(e)}: ${e.parseError ?? 'not an EXECUTE_TOOL, SEARCH_TOOLS, MANAGE_CONNECTIONS or client config input'}`);
    expect(bad).toEqual([]);
    for (const t of ['EXECUTE_TOOL', 'SEARCH_TOOLS', 'MANAGE_CONNECTIONS'] as const) expect(byTool(t).length, t).toBeGreaterThan(0);
  });

  it('examples use canonical slugs, each listed in the quick reference', () => {
    const listed = new Set(doc.reference.map((r) => r.slug));
    const problems = byTool('EXECUTE_TOOL').flatMap((ex) =>
      executeCalls(ex).flatMap((c) => [
        ...(registry.get(c.tool_slug) ? [] : [`${where(ex)}: "${c.tool_slug}" is not a canonical slug`]),
        ...(listed.has(c.tool_slug) ? [] : [`${where(ex)}: ${c.tool_slug} has no quick reference row`]),
      ]),
    );
    expect(problems).toEqual([]);
  });

  it('the quick reference matches each tool: slug, access, required and known parameters', () => {
    expect(doc.reference.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const row of doc.reference) {
      const at = `SKILL.md:${row.line} ${row.slug}`;
      const tool = registry.get(row.slug);
      if (!tool) {
        problems.push(`${at}: not a canonical slug`);
        continue;
      }
      if (row.access !== tool.access) problems.push(`${at}: access "${row.access}", the tool says "${tool.access}"`);
      const schema = schemaOf(row.slug);
      const required = new Set(schema.required ?? []);
      for (const p of row.params) if (!(p in (schema.properties ?? {}))) problems.push(`${at}: no parameter "${p}"`);
      for (const p of row.required) if (!required.has(p)) problems.push(`${at}: "${p}" is marked required but the schema does not require it`);
      for (const p of required) if (!row.required.includes(p)) problems.push(`${at}: the schema requires "${p}"; mark it \`${p}*\``);
    }
    expect(problems).toEqual([]);
  });

  it('destructive examples are written as dry runs', () => {
    const live = byTool('EXECUTE_TOOL').filter((ex) => executeCalls(ex).some((c) => registry.resolve(c.tool_slug).ok && registry.get(c.tool_slug)?.access === 'destructive') && ex.value!.dry_run !== true);
    expect(live.map(where)).toEqual([]);
  });
});

describe('SKILL.md through the running server (stdio)', () => {
  let env: Awaited<ReturnType<typeof sandboxWithRouter>>;
  beforeAll(async () => {
    env = await sandboxWithRouter({ args: ['--write=allow'] });
  });
  afterAll(() => env?.close());

  it('every EXECUTE_TOOL example passes its tool\'s schema in a dry run, the policy treats it as the skill says, and nothing is sent', async () => {
    env.sandbox.reset();
    const problems: string[] = [];
    for (const ex of byTool('EXECUTE_TOOL')) {
      for (const c of executeCalls(ex)) {
        const { structured } = await env.call('EXECUTE_TOOL', { tool_slug: c.tool_slug, arguments: c.arguments ?? {}, dry_run: true });
        if (!structured.successful) problems.push(`${where(ex)} ${c.tool_slug}: ${structured.error?.message}`);
        else if (structured.tool_slug !== c.tool_slug) problems.push(`${where(ex)}: ran ${structured.tool_slug}, not ${c.tool_slug}`);
        // What the skill says of the policy: under --write=allow, only destructive tools are refused.
        const destructive = registry.get(c.tool_slug)?.access === 'destructive';
        if (structured.successful && !String(structured.data.policy).startsWith(destructive ? 'would be refused' : 'would run')) {
          problems.push(`${where(ex)} ${c.tool_slug}: policy says "${structured.data.policy}"`);
        }
        const rejected = structured.data?.notes?.rejected_before_sending ?? [];
        if (rejected.length) problems.push(`${where(ex)} ${c.tool_slug}: batch items rejected: ${JSON.stringify(rejected)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(trackingRequests(env.sandbox)).toHaveLength(0);
  });

  it('SEARCH_TOOLS examples are accepted and answer every query', async () => {
    for (const ex of byTool('SEARCH_TOOLS')) {
      const { result, structured, text } = await env.call('SEARCH_TOOLS', ex.value!);
      expect(result.isError, `${where(ex)}: ${text}`).toBeFalsy();
      expect(structured.results).toHaveLength((ex.value!.queries as unknown[]).length);
    }
  });

  it('MANAGE_CONNECTIONS examples use actions the tool offers; status and verify run', async () => {
    const { tools } = await env.router.client.listTools();
    const schema = tools.find((t) => t.name === 'MANAGE_CONNECTIONS')!.inputSchema as { properties: Record<string, { enum?: string[] }> };
    const actions = schema.properties.action?.enum ?? [];
    for (const ex of byTool('MANAGE_CONNECTIONS')) {
      const action = String(ex.value!.action ?? 'status');
      expect(actions, where(ex)).toContain(action);
      if (action === 'status' || action === 'verify') {
        const { result, structured, text } = await env.call('MANAGE_CONNECTIONS', ex.value!);
        expect(result.isError, `${where(ex)}: ${text}`).toBeFalsy();
        expect(structured.results[0].status).toBe('ACTIVE');
      }
    }
  });

  it('the user lifecycle runs end to end: the sandbox records each call in order with the right ids', async () => {
    const steps = byTool('EXECUTE_TOOL').filter((e) => e.headings.some((h) => /user lifecycle/i.test(h)));
    const calls = steps.map((s) => s.value as { tool_slug: string; arguments: Record<string, string> });
    expect(calls.map((c) => c.tool_slug)).toEqual(['SEGMENT_PAGE', 'SEGMENT_TRACK', 'SEGMENT_ALIAS', 'SEGMENT_IDENTIFY', 'SEGMENT_GROUP']);
    const [page, track, alias, identify, group] = calls.map((c) => c.arguments) as Record<string, string>[];
    // The pattern's own logic: one anonymous id until sign-up, aliased to the one user id after it.
    expect(page!.userId).toBeUndefined();
    expect(track!.anonymousId).toBe(page!.anonymousId);
    expect(alias!.previousId).toBe(page!.anonymousId);
    expect(identify!.userId).toBe(alias!.userId);
    expect(group!.userId).toBe(alias!.userId);

    env.sandbox.reset();
    const messageIds: string[] = [];
    for (const c of calls) {
      const { structured, text } = await env.call('EXECUTE_TOOL', { tool_slug: c.tool_slug, arguments: c.arguments });
      expect(structured.successful, `${c.tool_slug}: ${text}`).toBe(true);
      messageIds.push(structured.data.messageId);
    }
    const events = env.sandbox.events;
    expect(events.map((e) => e.type)).toEqual(['page', 'track', 'alias', 'identify', 'group']);
    expect(events.map((e) => e.messageId)).toEqual(messageIds);
    expect(events.filter((e) => e.dropped)).toEqual([]);
    const [p, t, a, i, g] = events;
    expect(p).toMatchObject({ anonymousId: page!.anonymousId, userId: undefined });
    expect(p!.message).toMatchObject({ name: page!.name });
    expect(t).toMatchObject({ anonymousId: track!.anonymousId, event: track!.event });
    expect(a!.message).toMatchObject({ previousId: alias!.previousId, userId: alias!.userId });
    expect(i).toMatchObject({ userId: identify!.userId });
    expect(i!.message).toMatchObject({ traits: identify!.traits });
    expect(g).toMatchObject({ userId: group!.userId });
    expect(g!.message).toMatchObject({ groupId: group!.groupId });
  });
});
