import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closest } from '../../src/cli/flags.js';
import { findList, renderList } from '../../src/cli/list-view.js';
import { fileLine } from '../../src/cli/import.js';
import { renderTable } from '../../src/cli/table.js';
import { indentJson } from '../../src/cli/output.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli-process.js';
import { hasScript } from '../helpers/terminal.js';
import { CLI, TOKEN, WRITE_KEY, expectNoSecrets, sandboxEnv } from '../helpers/router.js';

let sb: Sandbox;
let env: Record<string, string>;
beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  env = sandboxEnv(sb);
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

async function cli(args: string[], extra: Record<string, string> = {}, input?: string) {
  const r = await runCli(args, { env: { ...env, ...extra }, input });
  expectNoSecrets(r.stdout, r.stderr);
  return r;
}

/** Where each header starts on the header line, and that every row has a cell starting there. */
function expectAligned(table: string, headers: string[]) {
  const [head, ...rows] = table.split('\n');
  const at = headers.map((h) => head!.indexOf(h));
  expect(at.every((i) => i >= 0)).toBe(true);
  for (const row of rows) {
    for (const i of at.slice(1)) {
      if (row.length <= i) continue; // an empty last cell
      expect(row[i - 1], `${row}\n${head}`).toBe(' ');
      expect(row[i], `${row}\n${head}`).not.toBe(' ');
    }
  }
}

describe('tables', () => {
  it('column widths follow the content: a very long slug widens its column and the rest stay aligned', () => {
    const rows = [
      { slug: 'SEGMENT_TRACK', access: 'write', title: 'Track an event' },
      { slug: 'SEGMENT_LIST_REVERSE_ETL_SYNC_STATUSES_FROM_MODEL_AND_SUBSCRIPTION_ID', access: 'read', title: 'List syncs' },
      { slug: 'X', access: 'destructive', title: 'tab\tand\nnewline' },
    ];
    const cols = [
      { header: 'SLUG', value: (r: (typeof rows)[number]) => r.slug },
      { header: 'ACCESS', value: (r: (typeof rows)[number]) => r.access },
      { header: 'TITLE', value: (r: (typeof rows)[number]) => r.title },
    ];
    const t = renderTable(cols, rows);
    expectAligned(t, ['SLUG', 'ACCESS', 'TITLE']);
    expect(t).toContain('tab and newline');
    // Cut to a terminal's width at the end of the line only; the slug stays whole.
    const narrow = renderTable(cols, rows, { width: 90 });
    for (const line of narrow.split('\n')) expect(line.length).toBeLessThanOrEqual(90);
    expect(narrow).toContain('SEGMENT_LIST_REVERSE_ETL_SYNC_STATUSES_FROM_MODEL_AND_SUBSCRIPTION_ID');
  });

  // Noticed in the review of 2026-12-07: a source named with a right-to-left override printed its row
  // reversed on the terminal ("Web" read as another name), and an 8-bit CSI (U+009B) reached it raw.
  it('cells drop direction overrides and C1 controls: a name cannot reorder or restyle what the terminal shows', () => {
    const rows = [{ name: 'evil\u202Ebew\u2066x\u2069', id: 'src\u009b31m_1\u200f' }];
    const t = renderTable([{ header: 'NAME', value: (r: (typeof rows)[number]) => r.name }, { header: 'ID', value: (r: (typeof rows)[number]) => r.id }], rows);
    expect(t).not.toMatch(/[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(t).toContain('evilbewx');
    expect(t).toContain('src31m_1');
    expectAligned(t, ['NAME', 'ID']);
    // The text form of an answer shows them as escapes: the same JSON, every character visible.
    const value = { name: 'evil\u202Ebew', id: 'src\u009b31m' };
    const text = indentJson(value, '');
    expect(text).toContain('evil\\u202ebew');
    expect(text).not.toMatch(/[\u0080-\u009f\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('a Public API list becomes a table of the columns people scan; other answers are not lists', () => {
    const data = {
      sources: [
        { id: 'src_1', slug: 'web', name: 'Web', enabled: true, writeKeys: ['k'], metadata: { name: 'Javascript' }, settings: {} },
        { id: 'src_2', slug: 'ios', name: 'iOS app', enabled: false, writeKeys: [], metadata: { name: 'iOS' }, settings: {} },
      ],
      pagination: { current: 'MA==', totalEntries: 2 },
      next_cursor: 'Mg==',
    };
    expect(findList(data)!.key).toBe('sources');
    const text = renderList(data)!;
    expect(text.split('\n')[0]).toMatch(/^NAME\s+SLUG\s+ID\s+TYPE\s+ENABLED$/);
    expectAligned(text.split('\n').slice(0, 3).join('\n'), ['NAME', 'SLUG', 'ID', 'TYPE', 'ENABLED']);
    expect(text).toMatch(/^iOS app\s+ios\s+src_2\s+iOS\s+false$/m);
    expect(text).toContain('2 sources. More pages: add "all_pages": true to --args (next cursor: Mg==).');
    expect(findList({ workspace: { id: 'w' } })).toBeUndefined();
    expect(findList({ a: [{ x: 1 }], b: [{ y: 1 }] })).toBeUndefined();
  });

  it('call prints a list (sources, destinations) as a table; --json is the executor answer, unchanged', async () => {
    const text = await cli(['call', 'SEGMENT_LIST_SOURCES']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('OK SEGMENT_LIST_SOURCES');
    expect(lines[1]).toMatch(/^NAME\s+SLUG\s+ID\s+TYPE\s+ENABLED/);
    expect(text.stdout).toMatch(/^\d+ sources\./m);
    expect(text.stdout).not.toContain('"writeKeys"');
    const json = await cli(['call', 'SEGMENT_LIST_SOURCES', '--json']);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ successful: true, tool_slug: 'SEGMENT_LIST_SOURCES' });
    expect(Array.isArray(out.data.sources)).toBe(true);
    // One table row per source: the lines between the header and the blank line before the count.
    const rows = lines.slice(2, lines.indexOf(''));
    expect(rows).toHaveLength(out.data.sources.length);
    for (const s of out.data.sources) expect(rows.some((r) => r.includes(s.id))).toBe(true);
    const dest = await cli(['call', 'SEGMENT_LIST_DESTINATIONS']);
    expect(dest.stdout.split('\n')[1]).toMatch(/^NAME\s+/);
    // A single object stays indented JSON.
    const one = await cli(['call', 'SEGMENT_GET_WORKSPACE']);
    expect(one.stdout).toMatch(/^OK SEGMENT_GET_WORKSPACE\n {2}\{/);
  });

  // Found by a new user's walk through the README (2026-12-07): a track call with findings printed only the
  // findings' table (no accepted, no messageId), a dry run only the method and address, and
  // --validate=block never checked the plan from the command line (each call a new process, the plan
  // loaded in the background for calls that never came).
  it('call on a track: the answer whole (accepted, messageId, findings); a dry run shows the request\'s body; --validate=block checks the plan before sending', async () => {
    const args = JSON.stringify({ userId: 'u1', event: 'order done', properties: { OrderTotal: 3 } });
    const sent = await cli(['call', 'SEGMENT_TRACK', '--write=allow', '--args', args]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/"accepted": true/);
    expect(sent.stdout).toMatch(/"messageId": "sr-/);
    expect(sent.stdout).toContain('order_total');
    const dry = await cli(['call', 'SEGMENT_TRACK', '--dry-run', '--args', args]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('"body"');
    expect(dry.stdout).toContain('"OrderTotal": 3');
    expect(dry.stdout).toContain('"Authorization": "Basic <write key');
    sb.reset();
    const planned = JSON.stringify({ userId: 'u1', event: 'Order Completed', properties: { revenue: '49.50', currency: 'usd' } });
    const blocked = await cli(['call', 'SEGMENT_TRACK', '--write=allow', '--validate=block', '--args', planned]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('breaks the tracking plan');
    expect(blocked.stderr).toContain('properties.order_id is required');
    expect(sb.events).toHaveLength(0);
  });

  // Found by a new user's walk (2026-12-07): "1 sources.", "Stopped: Stopped by the user.", a reject file named after a run with no reject.
  it('counts of one are singular; an import stopped by the user says it once; no reject file is pointed at when nothing was rejected', async () => {
    expect(renderList({ sources: [{ id: 'src_1', name: 'Web' }] })).toMatch(/^1 source\. /m);
    expect(renderList({ sources: [{ id: 'a' }, { id: 'b' }] })).toMatch(/^2 sources\. /m);
    const none = { read: 0, accepted: 0, rejected: 0 };
    const summary = { file: 'e.ndjson', format: 'ndjson', read: 3, accepted: 3, rejected: 0, rejects_file: 'e.ndjson.rejects.ndjson', this_run: { ...none, seconds: 1, events_per_second: 3 }, complete: false, stopped: { reason: 'interrupted', message: 'Stopped (Ctrl-C, or a signal to stop).' } } as unknown as Parameters<typeof fileLine>[0];
    const text = fileLine(summary).join('\n');
    expect(text).not.toContain('Stopped: Stopped');
    expect(text).toContain('Stopped (Ctrl-C, or a signal to stop).');
    expect(text).not.toContain('each with its line and reason');
  });

  it('tools and search print aligned tables; search uses the same widths for every use case', async () => {
    const tools = await cli(['tools']);
    const table = tools.stdout.split('\n\n')[0]!;
    expectAligned(table, ['SLUG', 'ACCESS', 'TOOLSET', 'API', 'TITLE']);
    const search = await cli(['search', 'list reverse etl sync statuses of a model subscription', 'track an event', '--limit', '3']);
    expect(search.code).toBe(0);
    const heads = search.stdout.split('\n').filter((l) => /^\s+#\s+SLUG/.test(l));
    expect(heads).toHaveLength(2);
    expect(heads[0]).toBe(heads[1]);
    for (const block of search.stdout.split('Use case: ').slice(1)) {
      const rows = block.split('\n').slice(1).filter((l) => /^\s+(#|\d+)\s/.test(l));
      expectAligned(rows.join('\n'), ['#', 'SLUG', 'ACCESS', 'NOW', 'TITLE']);
    }
    expect(search.stdout).toMatch(/Refused now \(write\): .*--write=ask/);
  });

  it('connections list is a table, with what to do under it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sr-people-'));
    const store = { ...env, SEGMENT_ROUTER_HOME: home, SEGMENT_WRITE_KEY: '', SEGMENT_PUBLIC_API_TOKEN: '' };
    const added = await runCli(['connections', 'add', '--stdin'], { env: store, input: JSON.stringify({ writeKey: WRITE_KEY, token: TOKEN }) });
    expect(added.code).toBe(0);
    // Found by a new user's walk (2026-12-07): keys checked against the sandbox were stored as any others, and
    // went to Segment once the sandbox's variables were gone. Said when they are stored.
    expect(added.stderr).toContain(`Note: checked against ${env.SEGMENT_TRACKING_API_URL} (SEGMENT_TRACKING_API_URL / SEGMENT_PUBLIC_API_URL), not Segment.`);
    expect((await runCli(['connections', 'add', '--stdin', '--name', 'staging-with-a-long-name', '--skip-verify'], { env: store, input: JSON.stringify({ writeKey: WRITE_KEY }) })).code).toBe(0);
    const r = await runCli(['connections', 'list'], { env: store });
    expectNoSecrets(r.stdout, r.stderr);
    const [table] = r.stdout.split('\n\n');
    expectAligned(table!, ['NAME', 'STATUS', 'FROM', 'REGION', 'TRACKING', 'PUBLIC API', 'WORKSPACE']);
    expect(table).toMatch(/^default \*\s+ACTIVE\s+store\s+us\s+ACTIVE \*{4}\w{4}\s+ACTIVE \*{4}\w{4}/m);
    expect(r.stdout).toContain('staging-with-a-long-name: ');
    expect(r.stdout).toContain('segment-router connections add --name staging-with-a-long-name');
    const json = JSON.parse((await runCli(['connections', 'list', '--json'], { env: store })).stdout);
    expect(json.connections.map((c: { connection: string }) => c.connection)).toEqual(['default', 'staging-with-a-long-name']);
    // Found by a new user's walk (2026-12-07): secrets from the environment read UNVERIFIED in every list, right
    // after doctor and verify said ACTIVE: list says why, and what checks them.
    const fromEnv = await runCli(['connections', 'list'], { env });
    expect(fromEnv.stdout).toMatch(/UNVERIFIED/);
    expect(fromEnv.stdout).toContain('default: From the environment: list does not check it, and no check of it is kept; "segment-router connections verify" checks it now.');
  });
});

// Found by a new user's walk (2026-12-07): connections list, doctor and setup printed --json over 25-42 lines.
describe('--json', () => {
  it('is one line of JSON on every command that has it', async () => {
    const fakeHome = mkdtempSync(join(tmpdir(), 'sr-json-home-'));
    const runs = [
      await cli(['connections', 'list', '--json']),
      await cli(['doctor', '--json'], { HOME: fakeHome }),
      await cli(['setup', 'cursor', '--write=deny', '--json'], { HOME: fakeHome }),
      await cli(['tools', '--json']),
    ];
    for (const r of runs) {
      const out = r.stdout.trimEnd();
      expect(out.split('\n'), out.slice(0, 200)).toHaveLength(1);
      expect(() => JSON.parse(out)).not.toThrow();
    }
  });
});

describe('flags people mistype', () => {
  it('an unknown flag gets "did you mean", a missing value says what it takes; exit 2', async () => {
    const typo = await cli(['call', 'SEGMENT_TRACK', '--wirte=allow']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Unknown option --wirte. Did you mean --write?');
    expect(typo.stderr).not.toMatch(/ERR_PARSE_ARGS|To specify a positional argument/);
    const none = await cli(['tools', '--zzzz']);
    expect(none.stderr).toMatch(/Unknown option --zzzz\. Options here: --toolsets, --tools/);
    const missing = await cli(['call', 'SEGMENT_TRACK', '--write']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--write needs a value: --write=<value>.');
    const switchValue = await cli(['tools', '--json=yes']);
    expect(switchValue.stderr).toContain('--json is a switch and takes no value');
    const command = await cli(['serch', 'x']);
    expect(command.stderr).toContain('Unknown command "serch". Did you mean search?');
    // Found by a new user's walk (2026-12-07): --allow suggested nothing of --write=allow; a slug typed as a command said only "unknown".
    const allow = await cli(['import', 'x.ndjson', '--allow']);
    expect([allow.code, allow.stderr.split('\n')[0]]).toEqual([2, 'segment-router: Unknown option --allow. Did you mean --write=allow?']);
    const slug = await cli(['SEGMENT_TRACK', '--help']);
    expect(slug.code).toBe(2);
    expect(slug.stderr).toContain('"SEGMENT_TRACK" is a tool: "segment-router call SEGMENT_TRACK --help" shows its arguments');
    // Found by an adversarial review (2026-12-07): a misspelt slug was called a tool and given a command that failed.
    const slugTypo = await cli(['segment_trak']);
    expect(slugTypo.stderr).toContain('"segment_trak" is no command; the nearest tool is SEGMENT_TRACK: "segment-router call SEGMENT_TRACK --help"');
  });

  it('closest: typos, swaps and prefixes, nothing for unrelated words', () => {
    expect(closest('wirte', ['write', 'json'])).toBe('write');
    expect(closest('dryrun', ['dry-run', 'args'])).toBe('dry-run');
    expect(closest('tool', ['toolsets', 'tools'])).toBe('tools');
    expect(closest('banana', ['write', 'json'])).toBeUndefined();
  });
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
function inPty(command: string, input: string, e: Record<string, string>, closeAfterMs?: number) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: e, detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
    if (closeAfterMs === undefined) child.stdin.end(input);
    else {
      child.stdin.write(input);
      // Ctrl-D on the terminal, once the program had time to start: the server's stdin ends.
      setTimeout(() => child.stdin.end('\u0004'), closeAfterMs);
    }
  });
}

describe.skipIf(!hasScript)('on a terminal', () => {
  it('connections remove asks first: "n" keeps it, "y" removes it; --yes does not ask', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sr-people-'));
    const store = { ...env, SEGMENT_ROUTER_HOME: home, SEGMENT_WRITE_KEY: '', SEGMENT_PUBLIC_API_TOKEN: '' };
    const add = () => runCli(['connections', 'add', '--stdin', '--skip-verify'], { env: store, input: JSON.stringify({ writeKey: WRITE_KEY }) });
    expect((await add()).code).toBe(0);
    const cmd = `${quote(process.execPath)} ${quote(CLI)} connections remove`;
    const no = await inPty(cmd, 'n\n', store);
    expect(no.out).toMatch(/Remove the stored connection "default" \(write key \*{4}\w{4}\)\? .*\[y\/N\]/);
    expect(no.out).toContain('Nothing was removed.');
    expect(no.code).toBe(1);
    expect(JSON.parse((await runCli(['connections', 'list', '--json'], { env: store })).stdout).connections).toHaveLength(1);
    const yes = await inPty(cmd, 'y\n', store);
    expect(yes.code).toBe(0);
    expect(yes.out).toContain('Removed the stored connection "default".');
    expect(JSON.parse((await runCli(['connections', 'list', '--json'], { env: store })).stdout).connections).toHaveLength(0);
    expect((await add()).code).toBe(0);
    const skip = await inPty(`${cmd} --yes`, '', store);
    expect(skip.out).not.toContain('[y/N]');
    expect(skip.code).toBe(0);
  });

  it('serve on a terminal says on stderr what it waits for and how to try it; nothing on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-people-'));
    const errFile = join(dir, 'stderr.txt');
    const r = await inPty(`${quote(process.execPath)} ${quote(CLI)} serve 2>${quote(errFile)}`, '', env, 4_000);
    const stderr = readFileSync(errFile, 'utf8');
    expect(stderr).toContain('is running as an MCP server (meta tools) on stdin/stdout');
    expect(stderr).toContain('there is nothing to type here');
    expect(stderr).toContain('npm run demo');
    expect(stderr).toMatch(/node \S*dist\/cli\.js search "send an event when a user signs up"|segment-router search/);
    expect(stderr).toContain('setup claude-desktop');
    // What reached the terminal from stdout: no protocol line.
    expect(r.out).not.toContain('jsonrpc');
  });
});

describe('serve for a client that has not spoken yet', () => {
  it('writes nothing on stdout until the client initializes; the first line is the answer to initialize', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--log-level', 'debug'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      // Wait until the server is up (its start-up log line on stderr), then a little more.
      const started = Date.now();
      while (!err.includes('serving MCP on stdio') && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
      expect(err).toContain('serving MCP on stdio');
      await new Promise((r) => setTimeout(r, 500));
      expect(out).toBe('');
      // Not a terminal: the person-facing message stays out of a client's stderr.
      expect(err).not.toContain('nothing to type here');
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) + '\n');
      const t0 = Date.now();
      while (!out.includes('\n') && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
      expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'segment-router' } } });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
