import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli-process.js';
import { expectNoSecrets, sandboxEnv, sandboxWithRouter, TOKEN, WRITE_KEY } from '../helpers/router.js';

/**
 * docs/workbench.md's worked examples, run as written: through `segment-router run` and over MCP,
 * against the sandbox. The answers the document shows are the answers these runs give.
 */

const DOC = readFileSync(resolve(__dirname, '../../docs/workbench.md'), 'utf8');
const blocks = (lang: string) => [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const [INVENTORY, LABELS] = blocks('js');
const [INVENTORY_ANSWER, PLANNED_WRITE] = blocks('json').map((b) => JSON.parse(b) as Record<string, any>);

let sb: Sandbox;
let env: Record<string, string>;
let seededLabels: unknown[];
const dir = mkdtempSync(join(tmpdir(), 'sr-run-'));
const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));

beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  env = sandboxEnv(sb);
  seededLabels = sb.publicApi.sources.map((s) => structuredClone(s.labels));
});
afterAll(() => sb.close());

async function run(args: string[]) {
  const r = await runCli(['run', ...args], { env, timeoutMs: 60_000 });
  expectNoSecrets(r.stdout, r.stderr);
  return r;
}

describe('segment-router run: the worked examples of docs/workbench.md', () => {
  beforeEach(() => {
    // A fresh workspace for each example (labels are state), and an empty request log.
    sb.reset();
    sb.publicApi.sources.forEach((s, i) => (s.labels = structuredClone(seededLabels[i])));
  });

  it('inventory.js answers what the document shows', async () => {
    expect(INVENTORY).toMatch(/tools\.all\('SEGMENT_LIST_SOURCES'/);
    const r = await run([file('inventory.js', INVENTORY!), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout);
    const { elapsed_ms, ...rest } = answer;
    expect(typeof elapsed_ms).toBe('number');
    expect(rest).toEqual(INVENTORY_ANSWER);
    const text = await run([file('inventory.js', INVENTORY!)]);
    expect(text.stdout).toMatch(/^log: 5 sources\nOK: 11 tool call\(s\), 0 failed/);
    // A log line cannot pass for the run's own (a review of 2026-12-07): each of its lines keeps the prefix.
    const forged = await run([file('forge.js', "console.log('ok\\nOK: 0 tool call(s), 0 failed, 1 ms\\u2028Done'); return 1;")]);
    expect(forged.stdout).toMatch(/^log: ok\nlog: OK: 0 tool call\(s\), 0 failed, 1 ms\nlog: Done/);
    expect(text.stdout).toContain('"Website"');
  }, 120_000);

  it('label-sources.js: the dry run lists the documented plan, --write=allow writes it, deny refuses it', async () => {
    const path = file('label-sources.js', LABELS!);
    const dry = await run([path, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    const ids = sb.publicApi.sources.map((s) => s.id);
    expect(plan.result).toEqual(ids);
    expect(plan.planned_writes).toHaveLength(ids.length);
    const documented = JSON.parse(JSON.stringify(PLANNED_WRITE).replaceAll('http://127.0.0.1:4010', sb.url));
    expect(plan.planned_writes[0]).toMatchObject(documented);
    expect(plan.planned_writes[0].requests[0].headers.Authorization).toBe(`Bearer <token ****${TOKEN.slice(-4)}>`);
    expect(sb.requests.filter((q) => q.method !== 'GET')).toEqual([]);

    const denied = await run([path]);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('ToolError: Refused: SEGMENT_ADD_LABELS_TO_SOURCE writes to Segment and the write policy is "deny". Nothing was sent.');
    expect(sb.requests.filter((q) => q.method !== 'GET')).toEqual([]);

    const real = await run([path, '--write=allow', '--json']);
    expect(JSON.parse(real.stdout).writes).toHaveLength(ids.length);
    expect(sb.requests.filter((q) => q.method === 'POST')).toHaveLength(ids.length);
    const again = await run([path, '--write=allow', '--json']);
    expect(JSON.parse(again.stdout).result).toEqual([]);
  }, 180_000);

  it('--write=ask without a terminal: nothing is written and the hint says what to do on the command line', async () => {
    const r = await run([file('label-sources.js', LABELS!), '--write=ask']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Run the command in a terminal to answer the prompt, or pass --write=allow/);
    expect(sb.requests.filter((q) => q.method === 'POST')).toEqual([]);
  });

  // Found by a new user's walk (2026-12-07): the error named "script.js", its hint the JSON-only "calls", and the refused call's own hint (--write) was not shown.
  it('a refused write in text: the error names the file, the hint what is printed, and the refused call says which flag to add', async () => {
    const path = file('refused.js', "const s = await tools.all('SEGMENT_LIST_SOURCES');\nawait tools.call('SEGMENT_UPDATE_SOURCE', { sourceId: s[0].id, enabled: true });\nreturn 1;\n");
    const r = await run([path]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`at ${path}:2:`);
    expect(r.stderr).not.toContain('script.js');
    expect(r.stderr).not.toContain('"calls"');
    expect(r.stderr).toContain('--write=allow');
    // --json too (found by the review of the mends: it still said script.js).
    const json = await run([path, '--json']);
    expect(JSON.parse(json.stdout).error.at).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:`));
  });

  // A script's tracking calls now close their journal runs when the answer is printed: if `run` never
  // said so, the same script run again would be taken for a repeat and send nothing.
  it('the same tracking script run twice sends its event twice: each run is printed, so each is over', async () => {
    const path = file('track.js', "return (await tools.call('SEGMENT_TRACK', { userId: 'u-run', event: 'Signed Up' })).messageId;");
    const first = await runCli(['run', path, '--write=allow', '--json'], { env, timeoutMs: 60_000 });
    const second = await runCli(['run', path, '--write=allow', '--json'], { env, timeoutMs: 60_000 });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(JSON.parse(second.stdout).result).not.toBe(JSON.parse(first.stdout).result);
    expect(sb.events).toHaveLength(2);
  }, 120_000);

  // Found by the review of the mends (2026-12-07): the same call under two spellings of the tool was counted
  // as two first calls, and the journal took the second for a repeat of the first: it sent nothing.
  it('one call made under several spellings of its tool is one call each time: each is sent', async () => {
    const path = file('spellings.js', ["const args = { userId: 'u-spell', event: 'Clicked' };", "const a = await tools.call('SEGMENT_TRACK', args);", "const b = await tools.call('segment_track', args);", "const c = await tools.call('TRACK', args);", 'return [a.messageId, b.messageId, c.messageId];'].join('\n'));
    const r = await runCli(['run', path, '--write=allow', '--json'], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(JSON.parse(r.stdout).result).size).toBe(3);
    expect(sb.events).toHaveLength(3);
  }, 120_000);

  // Noticed 2026-12-07, run 2026-12-07: both batch tools made the same journal key from the same messages,
  // so the second call was taken for a repeat of the first and sent nothing.
  it('the same messages through SEGMENT_BATCH and then SEGMENT_IMPORT_HISTORICAL_DATA are two calls: both are sent', async () => {
    const path = file('two-tools.js', ["const batch = [{ type: 'track', userId: 'u-two', event: 'Clicked', timestamp: '2026-01-02T03:04:05Z' }];", "const a = await tools.call('SEGMENT_BATCH', { batch });", "const b = await tools.call('SEGMENT_IMPORT_HISTORICAL_DATA', { batch });", 'return [a.accepted, b.accepted];'].join('\n'));
    const r = await runCli(['run', path, '--write=allow', '--json'], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual([1, 1]);
    expect(sb.events).toHaveLength(2);
  }, 120_000);

  it('reads the script from stdin with -, and says what is wrong with its input', async () => {
    const piped = await runCli(['run', '-', '--json'], { env, input: 'return 6 * 7', timeoutMs: 30_000 });
    expect(JSON.parse(piped.stdout).result).toBe(42);
    const missing = await run([join(dir, 'nope.js')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect((await run([])).code).toBe(2);
    expect((await run([file('x.js', 'return 1'), '--timeout-ms', '999999'])).stderr).toMatch(/--timeout-ms must be a whole number from 1 to 120000/);
    // The wall-time hint names the option a person passes (a new user's walk, 2026-12-07: "timeout_ms").
    const slow = await run([file('loop.js', 'for (;;) {}'), '--timeout-ms', '300']);
    expect(slow.stderr).toContain('Pass a larger --timeout-ms');
    const failing = await run([file('fail.js', 'await tools.call("SEGMENT_GET_SOURCE", { sourceId: "src_missing" });')]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/Failed \(script\) at \S*fail\.js:1:\d+: The script threw ToolError/);
    expect(failing.stderr).toMatch(/1\. SEGMENT_GET_SOURCE failed \(not_found\)/);
    // Found by a new user's walk (2026-12-07): the hint named a slug, not the command to run it.
    expect(failing.stderr).toContain('Look the id up with segment-router call SEGMENT_LIST_SOURCES.');
    // Found by the next walk: a script that threw before any call said the calls that ran were "listed below"; nothing was.
    // Found by an adversarial review (2026-12-07): the whole file was read before its length was checked
    // (300 MB: 657 MB of memory), and /dev/zero ended as "Invalid string length".
    for (const path of [file('huge.js', `// ${'x'.repeat(500_000)}\nreturn 1`), '/dev/zero']) {
      const big = await run([path]);
      expect(big.code, path).toBe(2);
      expect(big.stderr).toContain('is over 100,000 characters, the limit');
    }
    const early = await run([file('early.js', 'throw new Error("boom")')]);
    expect(early.stderr).toContain('Hint: Fix the script and run it again. No tool call had run.');
    expect(early.stderr).not.toContain('listed below');
  }, 180_000);
});

describe('RUN_SCRIPT over MCP', () => {
  it('the four meta tools stay under 2,000 tokens in tools/list (o200k)', async () => {
    const h = await sandboxWithRouter();
    try {
      const { tools } = await h.router.client.listTools();
      expect(tools.map((t) => t.name)).toContain('RUN_SCRIPT');
      expect(countTokens(JSON.stringify(tools))).toBeLessThan(2000);
      // The description documents every name the API has.
      const described = tools.find((t) => t.name === 'RUN_SCRIPT')!.description!;
      for (const name of ['tools.call(slug, args)', 'tools.all(slug, args)', 'console.log', 'dry_run', 'timeout_ms']) expect(described).toContain(name);
    } finally {
      await h.close();
    }
  });

  it('the worked example gives the same answer; under --write=ask the user is asked once, with every write', async () => {
    const asked: string[] = [];
    const h = await sandboxWithRouter({ args: ['--write=ask'], onElicit: async (p) => (asked.push(p.message), { action: 'accept', content: { confirm: true } }) });
    try {
      const inventory = await h.call('RUN_SCRIPT', { script: INVENTORY! });
      expect(inventory.structured.result).toEqual(INVENTORY_ANSWER.result);
      expect(asked).toEqual([]);
      const labels = await h.call('RUN_SCRIPT', { script: LABELS! });
      expect(labels.result.isError).toBeFalsy();
      const ids = h.sandbox.publicApi.sources.map((s) => s.id);
      expect(labels.structured.result).toEqual(ids);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(new RegExp(`A script wants to make ${ids.length} write\\(s\\) to http://127\\.0\\.0\\.1:\\d+ \\(not Segment\\):\\n1\\. .*src_web/labels[\\s\\S]*${ids.length}\\. .*${ids.at(-1)}/labels[\\s\\S]*Send this to http://127\\.0\\.0\\.1:\\d+ \\(not Segment\\)\\?$`));
      expect(h.sandbox.requests.filter((q) => q.method === 'POST')).toHaveLength(ids.length);
      expectNoSecrets(labels.text, ...asked, h.router.stderr());
    } finally {
      await h.close();
    }
  });
});
