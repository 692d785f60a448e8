import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { CLI, sandboxWithRouter, trackingRequests } from '../helpers/router.js';
import { documentedEnvVars, readSkillDocs, segmentNames, SKILL_DIR, type JsonExample } from '../helpers/skill-md.js';

/**
 * The skill is tested against the real tools, SKILL.md and every file under references/ alike: every
 * slug they name resolves, every JSON example passes its tool's schema through EXECUTE_TOOL (dry run
 * over stdio), quick reference rows match the schemas, links resolve, SKILL.md stays within its size
 * budget, and the lifecycle pattern runs end to end against the sandbox.
 */

const docs = readSkillDocs();
const [doc, ...refs] = docs;
const examples = docs.flatMap((d) => d.examples);
const reference = docs.flatMap((d) => d.reference);
const registry = loadRegistry();
const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { bin: Record<string, string> };

// Agent skill guidance: keep the SKILL.md body under 500 lines and 5,000 tokens; details go to references.
const MAX_SKILL_LINES = 500;
const MAX_SKILL_TOKENS = 5000;

const where = (ex: JsonExample) => `${ex.file}:${ex.line} (${ex.headings.at(-1) ?? 'top'})`;
const byTool = (tool: string, among = examples) => among.filter((e) => e.tool === tool);
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

  it('shows the same server in its client configuration examples', () => {
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

describe('the skill files: SKILL.md and its references', () => {
  it('has reference files, each plain Markdown with a title and no front matter (only SKILL.md is loaded as a skill)', () => {
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      expect(r.frontMatter, r.file).toBeUndefined();
      expect(r.text.split('\n')[0], `${r.file}: first line`).toMatch(/^# \S/);
    }
  });

  it(`SKILL.md stays within its budget: under ${MAX_SKILL_LINES} lines and ${MAX_SKILL_TOKENS} tokens`, () => {
    expect(doc.text.trimEnd().split('\n').length).toBeLessThan(MAX_SKILL_LINES);
    expect(encode(doc.text).length).toBeLessThan(MAX_SKILL_TOKENS);
  });

  it('every relative link points to an existing file inside the skill folder, and to an existing heading', () => {
    const problems: string[] = [];
    for (const d of docs) {
      for (const l of d.links) {
        const at = `${l.file}:${l.line} (${l.target})`;
        const inside = relative(SKILL_DIR, l.path);
        if (inside.startsWith('..') || inside.startsWith(sep)) problems.push(`${at}: outside the skill folder, so it breaks once the skill is installed`);
        else if (!existsSync(l.path) || !statSync(l.path).isFile()) problems.push(`${at}: no such file`);
        else if (l.anchor) {
          const target = docs.find((x) => x.path === l.path);
          if (target && !target.anchors.has(l.anchor)) problems.push(`${at}: no heading with the anchor #${l.anchor}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('SKILL.md links to every reference file (an agent finds them only through it)', () => {
    const linked = new Set(doc.links.map((l) => l.path));
    expect(refs.filter((r) => !linked.has(r.path)).map((r) => r.file)).toEqual([]);
  });

  it('reference files over 100 lines open with links to their own sections', () => {
    for (const r of refs.filter((x) => x.text.split('\n').length > 100)) {
      const toc = r.links.filter((l) => l.path === r.path && l.anchor && l.line <= 20);
      expect(toc.length, `${r.file}: a contents list near the top`).toBeGreaterThan(1);
    }
  });
});

describe('SKILL.md and references against the registry', () => {
  it('every SEGMENT_* slug they name resolves (environment variables the README documents aside)', () => {
    const env = documentedEnvVars();
    const names = segmentNames(docs.map((d) => d.text).join('\n')).filter((n) => !env.has(n));
    expect(names.length).toBeGreaterThan(30);
    const problems = docs.flatMap((d) => segmentNames(d.text).filter((n) => !env.has(n) && !registry.resolve(n).ok).map((n) => `${d.file}: ${n}`));
    expect(problems).toEqual([]);
  });

  it('every JSON block parses and is the input of one meta tool; SKILL.md shows all four', () => {
    const bad = examples.filter((e) => e.parseError || !e.tool).map((e) => `${where(e)}: ${e.parseError ?? 'not an EXECUTE_TOOL, SEARCH_TOOLS, MANAGE_CONNECTIONS, RUN_SCRIPT or client config input'}`);
    expect(bad).toEqual([]);
    for (const t of ['EXECUTE_TOOL', 'SEARCH_TOOLS', 'MANAGE_CONNECTIONS', 'RUN_SCRIPT'] as const) expect(byTool(t, doc.examples).length, t).toBeGreaterThan(0);
  });

  it('examples use canonical slugs, each listed in the quick reference of SKILL.md', () => {
    const listed = new Set(doc.reference.map((r) => r.slug));
    const problems = byTool('EXECUTE_TOOL').flatMap((ex) =>
      executeCalls(ex).flatMap((c) => [
        ...(registry.get(c.tool_slug) ? [] : [`${where(ex)}: "${c.tool_slug}" is not a canonical slug`]),
        ...(listed.has(c.tool_slug) ? [] : [`${where(ex)}: ${c.tool_slug} has no quick reference row`]),
      ]),
    );
    expect(problems).toEqual([]);
  });

  it('every quick reference table matches each tool: slug, access, required and known parameters', () => {
    expect(doc.reference.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const row of reference) {
      const at = `${row.file}:${row.line} ${row.slug}`;
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

describe('SKILL.md and references through the running server (stdio)', () => {
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

  it('every RUN_SCRIPT example runs: its reads answer, its writes are planned, nothing is sent', async () => {
    env.sandbox.reset();
    expect(byTool('RUN_SCRIPT').length).toBeGreaterThan(0);
    for (const ex of byTool('RUN_SCRIPT')) {
      expect(ex.value!.dry_run, `${where(ex)}: examples that write are dry runs`).toBe(true);
      const { result, structured, text } = await env.call('RUN_SCRIPT', ex.value!);
      expect(result.isError, `${where(ex)}: ${text}`).toBeFalsy();
      for (const w of structured.planned_writes ?? []) expect(w.policy, `${where(ex)} ${w.slug}`).toBe('would run');
    }
    expect(env.sandbox.requests.filter((q) => q.method !== 'GET')).toEqual([]);
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
    // The core pattern: SKILL.md teaches it, not a reference file.
    expect(steps.map((s) => s.file).filter((f) => f !== doc.file)).toEqual([]);
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
