import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type LongRunning } from '../helpers/cli-process.js';
import { node22Env, npmTool } from '../helpers/ecosystem-tools.js';

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, pinned) against
 * `serve --transport=http`. Every server scenario of the suite is either one that applies to this
 * server, and must pass, or is listed below with the reason it does not apply; a scenario the suite
 * adds in a later version fails this test until it is sorted into one list or the other.
 */
const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';

const APPLIES = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];

const THE_SUITE_TOOLS = 'calls the test_* tools of the suite\'s reference server; this server offers only its own meta tools';
const NOT_APPLICABLE: Record<string, string> = {
  'completion-complete': 'completions belong to prompts and resource templates, and this server offers neither',
  'tools-call-simple-text': THE_SUITE_TOOLS,
  'tools-call-image': THE_SUITE_TOOLS,
  'tools-call-audio': THE_SUITE_TOOLS,
  'tools-call-embedded-resource': THE_SUITE_TOOLS,
  'tools-call-mixed-content': THE_SUITE_TOOLS,
  'tools-call-with-logging': THE_SUITE_TOOLS,
  'tools-call-error': THE_SUITE_TOOLS,
  'tools-call-with-progress': THE_SUITE_TOOLS,
  'tools-call-sampling': THE_SUITE_TOOLS,
  'tools-call-elicitation': THE_SUITE_TOOLS,
  'elicitation-sep1034-defaults': THE_SUITE_TOOLS,
  'elicitation-sep1330-enums': THE_SUITE_TOOLS,
  'server-sse-multiple-streams': 'the HTTP transport is stateless with JSON responses: no sessions, so no SSE streams to multiply',
  'server-sse-polling': 'the HTTP transport is stateless with JSON responses: no SSE stream to poll',
  'resources-list': 'this server offers no resources',
  'resources-read-text': 'this server offers no resources',
  'resources-read-binary': 'this server offers no resources',
  'resources-templates-read': 'this server offers no resources',
  'resources-subscribe': 'this server offers no resources',
  'resources-unsubscribe': 'this server offers no resources',
  'prompts-list': 'this server offers no prompts',
  'prompts-get-simple': 'this server offers no prompts',
  'prompts-get-with-args': 'this server offers no prompts',
  'prompts-get-embedded-resource': 'this server offers no prompts',
  'prompts-get-with-image': 'this server offers no prompts',
  'json-schema-2020-12': THE_SUITE_TOOLS,
};

const run = promisify(execFile);
let server: LongRunning | undefined;
let env: Record<string, string>;
let bin: string;
let url: string;

beforeAll(async () => {
  const dir = await npmTool(CONFORMANCE);
  bin = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  env = await node22Env();
  const home = mkdtempSync(join(tmpdir(), 'sr-conformance-'));
  const serverEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, SEGMENT_ROUTER_HOME: home };
  server = await startCli(['serve', '--transport=http', '--port', '0'], serverEnv, /http:\/\/127\.0\.0\.1:\d+\/mcp/);
  url = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(server.ready)![1]!;
}, 900_000); // first run: Node 22 and the suite come from the registry; later runs from the cache

afterAll(async () => {
  await server?.stop();
});

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

describe('MCP conformance suite against serve --transport=http', () => {
  it('passes every server scenario that applies; the others are listed with the reason', async () => {
    const node = join(env.PATH!.split(':')[0]!, 'node');
    const list = (await run(node, [bin, 'list'], { env })).stdout;
    const serverPart = list.split(/Client scenarios/)[0]!;
    const scenarios = [...serverPart.matchAll(/^\s+- ([a-z0-9-]+)/gm)].map((m) => m[1]!);
    expect(scenarios.length).toBeGreaterThan(10);
    const unsorted = scenarios.filter((s) => !APPLIES.includes(s) && !NOT_APPLICABLE[s]);
    expect(unsorted, 'new scenarios: sort each into APPLIES or NOT_APPLICABLE').toEqual([]);
    expect(APPLIES.filter((s) => !scenarios.includes(s)), 'scenarios the suite no longer has').toEqual([]);

    // One run of the whole suite (the scenarios that do not apply fail, so its exit code is not the verdict).
    const out = mkdtempSync(join(tmpdir(), 'sr-conformance-out-'));
    await run(node, [bin, 'server', '--url', url, '--suite', 'all', '-o', out], { env, maxBuffer: 1 << 24 }).catch(() => undefined);
    const results: Record<string, Check[]> = {};
    for (const d of readdirSync(out)) {
      const scenario = APPLIES.find((s) => d.startsWith(`server-${s}-`));
      if (scenario) results[scenario] = JSON.parse(readFileSync(join(out, d, 'checks.json'), 'utf8')) as Check[];
    }
    for (const scenario of APPLIES) {
      const checks = results[scenario] ?? [];
      expect(checks.length, `${scenario} ran no checks`).toBeGreaterThan(0);
      expect(checks.filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO').map((c) => `${c.id}: ${c.status} ${c.errorMessage ?? ''}`), scenario).toEqual([]);
    }
  }, 300_000);
});
