import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { Executor } from '../../src/execution/executor.js';
import { createHttpClient, NetworkError } from '../../src/http/client.js';
import { sendWithRetries } from '../../src/http/retry.js';
import { Registry } from '../../src/registry/index.js';
import { loadRegistry } from '../../src/inventory.js';
import type { ToolDefinition } from '../../src/registry/types.js';
import { DEFAULT_RETRY } from '../../src/config/runtime.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { callTool, sandboxEnv, startRouter, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { appWithSandbox, inProcessEnv, writesSeen } from '../helpers/inprocess.js';
import { validArgs } from '../helpers/valid-args.js';
import { pathEscapes } from '../helpers/path-escape.js';
import { startHttpRouter } from '../helpers/http-router.js';
import { z } from 'zod';
import { ArgumentsError } from '../../src/registry/arguments.js';

/**
 * Nothing is written unless the operator allowed it: every write and destructive tool in the registry
 * (generated from it, so new tools are covered the day they land) is called with schema-valid
 * arguments and must be refused by the policy with zero requests at the server.
 */

const registry = loadRegistry();
const writeTools = registry.tools.filter((t) => t.access !== 'read');
const destructiveTools = registry.tools.filter((t) => t.access === 'destructive');

/** A trap: any request reaching it is a request that escaped the configured hosts. */
let trap: { url: string; hits: string[]; close(): Promise<void> };
beforeAll(async () => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  trap = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, close: () => new Promise((r) => server.close(() => r())) };
});
afterAll(() => trap.close());

describe('every write tool has schema-valid arguments (so refusals below are the policy, not validation)', () => {
  it('the registry has write tools, and the generator covers each one', () => {
    expect(writeTools.length).toBeGreaterThanOrEqual(8);
    const missing = writeTools.filter((t) => !validArgs(t)).map((t) => t.slug);
    expect(missing).toEqual([]);
  });
});

describe('--write=deny: every write and destructive tool, in process', () => {
  it('dry run shows it would be refused; the call is refused; zero requests; each refusal audited', async () => {
    const env = await appWithSandbox({ write: 'deny' });
    const audit: string[] = [];
    try {
      for (const tool of writeTools) {
        const args = validArgs(tool)!;
        const dry = await env.app.executor.execute({ slug: tool.slug, arguments: args, dryRun: true });
        expect(dry.successful, `${tool.slug} dry run: ${JSON.stringify(dry.error)}`).toBe(true);
        expect((dry.data as { policy: string }).policy).toMatch(/^would be refused/);
        const res = await env.app.executor.execute({ slug: tool.slug, arguments: args });
        expect(res.error?.kind, `${tool.slug}: ${JSON.stringify(res.error)}`).toBe('policy');
        expect(res.error?.message).toMatch(/Nothing was sent/);
        audit.push(tool.slug);
      }
      expect(writesSeen(env.sandbox)).toEqual([]);
      const { readFileSync } = await import('node:fs');
      const lines = readFileSync(env.app.audit.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      for (const slug of audit) {
        expect(lines.some((l) => l.slug === slug && l.decision === 'deny' && l.outcome === 'refused')).toBe(true);
        expect(lines.some((l) => l.slug === slug && l.decision === 'dry-run' && l.outcome === 'not-sent')).toBe(true);
      }
    } finally {
      await env.close();
    }
  });

  it('--write=ask with no way to ask the user: refused, zero requests', async () => {
    const env = await appWithSandbox({ write: 'ask', allowDestructive: true });
    try {
      for (const tool of writeTools) {
        const res = await env.app.executor.execute({ slug: tool.slug, arguments: validArgs(tool)! });
        expect(res.error?.kind, tool.slug).toBe('policy');
      }
      expect(writesSeen(env.sandbox)).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('--write=ask and the user declines: refused, zero requests', async () => {
    const env = await appWithSandbox({ write: 'ask', allowDestructive: true });
    try {
      for (const tool of writeTools) {
        const res = await env.app.executor.execute({ slug: tool.slug, arguments: validArgs(tool)! }, { confirm: async () => ({ confirmed: false, reason: 'the user declined' }) });
        expect(res.error?.kind, tool.slug).toBe('policy');
      }
      expect(writesSeen(env.sandbox)).toEqual([]);
    } finally {
      await env.close();
    }
  });
});

describe('destructive tools without --allow-destructive', () => {
  it.skipIf(destructiveTools.length === 0)('under --write=allow, every destructive tool in the registry is refused with zero requests', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    try {
      for (const tool of destructiveTools) {
        const res = await env.app.executor.execute({ slug: tool.slug, arguments: validArgs(tool)! });
        expect(res.error?.kind, tool.slug).toBe('policy');
        expect(res.error?.message).toMatch(/destructive/);
      }
      expect(writesSeen(env.sandbox)).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('a destructive tool that would send (synthetic, so the guard is proven even before such tools land) is refused', async () => {
    const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const app = createApp({ write: 'allow', env: inProcessEnv(sb) });
    const wipe: ToolDefinition = {
      slug: 'SEGMENT_TEST_WIPE', title: 'Wipe', description: 'test', api: 'public', toolset: 'test', access: 'destructive',
      tags: [], useCases: [], pitfalls: [], related: [], paramNames: ['id'],
      inputSchema: () => z.strictObject({ id: z.string() }),
      inputJsonSchema: () => ({ type: 'object' }),
      prepare: (args: { id: string }) => ({ requests: [{ method: 'DELETE', url: `${sb.url}/wipe/${args.id}`, headers: {} }] }),
      send: async (call, ctx) => {
        const r = await sendWithRetries(ctx.http, { ...call.requests[0]!, body: undefined }, { settings: DEFAULT_RETRY, timeoutMs: 1000, idempotent: false });
        return { ok: true, status: r.response?.status };
      },
    };
    const executor = new Executor({ ...app, registry: new Registry([wipe]), onWrite: () => {} });
    try {
      const refused = await executor.execute({ slug: 'SEGMENT_TEST_WIPE', arguments: { id: 'x' } });
      expect(refused.error?.kind).toBe('policy');
      expect(writesSeen(sb)).toEqual([]);
      // The same tool does reach the server once the operator allows destructive tools: the guard is what stopped it.
      const allowed = new Executor({ ...app, config: { ...app.config, allowDestructive: true }, registry: new Registry([wipe]), onWrite: () => {} });
      expect((await allowed.execute({ slug: 'SEGMENT_TEST_WIPE', arguments: { id: 'x' } })).successful).toBe(true);
      expect(writesSeen(sb).map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /wipe/x']);
    } finally {
      await app.close();
      await sb.close();
    }
  });
});

describe('--write=deny through the binary over stdio', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  });
  afterAll(() => sb.close());

  for (const [label, args, tools] of [
    ['--write=deny', ['--write=deny'], writeTools],
    ['--write=deny --allow-destructive', ['--write=deny', '--allow-destructive'], writeTools],
    ['--write=allow without --allow-destructive', ['--write=allow'], destructiveTools],
  ] as const) {
    it.skipIf(tools.length === 0)(`${label}: every tool it covers, under every slug spelling, refused with zero requests`, async () => {
      sb.reset();
      const router = await startRouter({ args: [...args], env: sandboxEnv(sb) });
      try {
        const spellings = (t: ToolDefinition) => [t.slug, t.slug.toLowerCase(), t.slug.toLowerCase().replace(/_/g, '-'), `integration__segment__${t.slug.toLowerCase()}`];
        const calls = tools.flatMap((t) => spellings(t).map((s) => ({ tool_slug: s, arguments: validArgs(t)! })));
        for (let i = 0; i < calls.length; i += 50) {
          const { structured } = await callTool(router.client, 'EXECUTE_TOOL', { tools: calls.slice(i, i + 50) });
          expect(structured.successful).toBe(false);
          for (const r of structured.results) expect(r.error?.kind, JSON.stringify(r)).toBe('policy');
        }
        // Aliases cannot route around the policy either.
        for (const alias of registry.aliasList()) {
          const target = registry.get(alias.target)!;
          if (!tools.includes(target)) continue;
          const { structured } = await callTool(router.client, 'EXECUTE_TOOL', { tool_slug: alias.slug, arguments: validArgs(target)! });
          expect(structured.error?.kind === 'policy' || structured.error?.kind === 'validation', alias.slug).toBe(true);
        }
        expect(writesSeen(sb)).toEqual([]);
      } finally {
        await router.close();
      }
    });
  }
});

describe('the other surfaces: direct mode and Streamable HTTP', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  });
  afterAll(() => sb.close());

  it('direct mode under --write=deny: write tools are not listed, and calling each by name is refused with zero requests', async () => {
    sb.reset();
    const router = await startRouter({ args: ['--tools-mode', 'direct', '--write=deny'], env: sandboxEnv(sb) });
    try {
      const listed = (await router.client.listTools()).tools.map((t) => t.name);
      for (const tool of writeTools) {
        const name = `integration__segment__${tool.slug.toLowerCase()}`;
        expect(listed).not.toContain(name);
        const { structured } = await callTool(router.client, name, validArgs(tool)!);
        expect(structured.error?.kind, name).toBe('policy');
      }
      expect(writesSeen(sb)).toEqual([]);
    } finally {
      await router.close();
    }
  });

  it('Streamable HTTP under --write=deny: every write tool refused with zero requests', async () => {
    sb.reset();
    const http = await startHttpRouter(['--write=deny'], sandboxEnv(sb));
    try {
      const calls = writeTools.map((t) => ({ tool_slug: t.slug, arguments: validArgs(t)! }));
      for (let i = 0; i < calls.length; i += 50) {
        const { structured } = await callTool(http.client, 'EXECUTE_TOOL', { tools: calls.slice(i, i + 50) });
        for (const r of structured.results) expect(r.error?.kind, JSON.stringify(r)).toBe('policy');
      }
      expect(writesSeen(sb)).toEqual([]);
    } finally {
      await http.close();
    }
  });
});

describe('requests go only to the configured hosts', () => {
  it('the HTTP client refuses any other origin before connecting, and the retry policy does not retry it', async () => {
    const http = createHttpClient(['http://127.0.0.1:9']);
    const before = trap.hits.length;
    await expect(http.send({ method: 'POST', url: `${trap.url}/v1/track`, headers: {} }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'HOST_NOT_ALLOWED' });
    const r = await sendWithRetries(http, { method: 'POST', url: `${trap.url}/v1/track`, headers: {} }, { settings: DEFAULT_RETRY, timeoutMs: 1000, idempotent: true });
    expect(r.error).toBeInstanceOf(NetworkError);
    expect(r.attempts).toBe(1);
    // Same host, other port; other scheme; userinfo tricks: all different origins.
    for (const url of ['http://127.0.0.1:10/x', 'https://127.0.0.1:9/x', 'http://evil@127.0.0.1:9@127.0.0.2/x']) {
      await expect(http.send({ method: 'GET', url, headers: {} }, { timeoutMs: 500 })).rejects.toMatchObject({ code: expect.stringMatching(/HOST_NOT_ALLOWED|ERR_INVALID_URL/) });
    }
    expect(trap.hits.length).toBe(before);
    await http.close();
  });

  it('with host overrides set, Segment\'s real hosts are not reachable either', async () => {
    const sb = await startSandbox();
    const app = createApp({ env: inProcessEnv(sb) });
    try {
      for (const url of ['https://api.segment.io/v1/track', 'https://api.segmentapis.com/', 'https://events.eu1.segmentapis.com/v1/batch']) {
        await expect(app.http.send({ method: 'POST', url, headers: {} }, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'HOST_NOT_ALLOWED' });
      }
    } finally {
      await app.close();
      await sb.close();
    }
  });

  it('arguments full of other URLs change no destination: every tracking tool sends only to the configured host', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    try {
      const evil = [`${trap.url}/v1/track`, `//127.0.0.1:${new URL(trap.url).port}/x`, '../../../etc', 'http://169.254.169.254/latest'];
      for (const tool of registry.tools.filter((t) => t.api === 'tracking')) {
        for (const value of evil) {
          const args = poison(validArgs(tool)!, value);
          const res = await env.app.executor.execute({ slug: tool.slug, arguments: args });
          expect(res.successful, `${tool.slug}: ${JSON.stringify(res.error)}`).toBe(true);
        }
      }
      expect(trap.hits).toEqual([]);
      expect(writesSeen(env.sandbox).every((r) => r.path.startsWith('/v1/'))).toBe(true);
      expect(writesSeen(env.sandbox).length).toBeGreaterThan(0);
    } finally {
      await env.close();
    }
  });
});

describe('path parameters cannot escape their segment', () => {
  const publicTools = registry.tools.filter((t) => t.api === 'public');

  it.skipIf(publicTools.length === 0)('every Public API tool: each path value stays one segment on the configured host, or is refused', async () => {
    const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const app = createApp({ write: 'allow', allowDestructive: true, env: inProcessEnv(sb) });
    try {
      let checked = 0;
      const failures: string[] = [];
      for (const tool of publicTools) {
        const r = await pathEscapes(app.executor, tool, new URL(sb.url).origin);
        checked += r.checked;
        failures.push(...r.failures);
      }
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThan(0);
    } finally {
      await app.close();
      await sb.close();
    }
  });

  it('the check itself catches a naive path builder (and passes a careful one)', async () => {
    const sb = await startSandbox();
    const app = createApp({ env: inProcessEnv(sb) });
    const tool = (slug: string, encode: (v: string) => string | undefined): ToolDefinition => ({
      slug, title: slug, description: 'test', api: 'public', toolset: 'test', access: 'read', tags: [], useCases: [], pitfalls: [], related: [], paramNames: ['sourceId'],
      inputSchema: () => z.strictObject({ sourceId: z.string() }),
      inputJsonSchema: () => ({ type: 'object', properties: { sourceId: { type: 'string' } }, required: ['sourceId'] }),
      prepare: (a: { sourceId: string }) => {
        const seg = encode(a.sourceId);
        if (seg === undefined) throw new ArgumentsError(`sourceId "${a.sourceId}" cannot be a path segment.`, [{ field: 'sourceId', problem: 'not a path segment' }]);
        return { requests: [{ method: 'GET', url: `${sb.url}/sources/${seg}/schema`, headers: {} }] };
      },
      send: async () => ({ ok: true }),
    });
    const careful = (v: string) => (v === '' || v === '.' || v === '..' || /%2e/i.test(v) ? undefined : encodeURIComponent(v));
    const tools = [tool('SEGMENT_NAIVE', (v) => v), tool('SEGMENT_URI_COMPONENT', encodeURIComponent), tool('SEGMENT_CAREFUL', careful)];
    const executor = new Executor({ ...app, registry: new Registry(tools), onWrite: () => {} });
    try {
      const origin = new URL(sb.url).origin;
      expect((await pathEscapes(executor, tools[0]!, origin)).failures.length).toBeGreaterThan(5);
      // encodeURIComponent alone leaves "." and "..", and URL parsers resolve them: a real escape.
      expect((await pathEscapes(executor, tools[1]!, origin)).failures.some((f) => f.includes('".."'))).toBe(true);
      expect(await pathEscapes(executor, tools[2]!, origin)).toEqual({ checked: 14, failures: [] });
    } finally {
      await app.close();
      await sb.close();
    }
  });
});

/** Puts `value` into every string field of the arguments (ids, names, urls in context...). */
function poison(v: unknown, value: string): any {
  if (typeof v === 'string') return value;
  if (Array.isArray(v)) return v.map((x) => poison(x, value));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === 'type' || k === 'timestamp' ? x : poison(x, value);
    if ('userId' in out || 'event' in out) out.context = { page: { url: value, referrer: value } };
    return out;
  }
  return v;
}
