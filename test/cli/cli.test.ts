import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { source } from '../../src/sandbox/public-api/store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { CLI, TOKEN, WRITE_KEY, callTool, expectNoSecrets, sandboxEnv, startRouter } from '../helpers/router.js';
import { hasScript } from '../helpers/terminal.js';
import { runCli } from '../helpers/cli-process.js';

let sb: Sandbox;
let env: Record<string, string>;
const TRACK = JSON.stringify({ userId: 'u_cli', event: 'Order Completed', properties: { total: 12 } });

beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  env = sandboxEnv(sb);
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

/** Every command's output passes through the redactor: check both streams of every run. */
async function cli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = await runCli(args, { env: opts.env ?? env, input: opts.input });
  expectNoSecrets(r.stdout, r.stderr);
  return r;
}

const json = (s: string) => JSON.parse(s.trim().split('\n').pop()!);

describe('help', () => {
  it.each(['serve', 'call', 'run', 'import'])('%s --help documents options and exit codes', async (cmd) => {
    const r = await cli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: segment-router /m);
    expect(r.stdout).toMatch(/Exit codes: 0 [a-z ]+, 1 [a-z ]+, 2 usage error, 3 refused by the write policy, 4 not connected/);
  });

  // Found by a new user's walk (2026-12-07): every help listed the write policy's 3 and 4, and connections did not say what its subcommands do.
  it.each(['search', 'tools', 'schema', 'sandbox', 'doctor', 'setup', 'connections', 'validate'])('%s --help lists only the exit codes it can give (none is refused by the write policy)', async (cmd) => {
    const r = await cli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Exit codes: .*2 usage error/m);
    expect(r.stdout).not.toContain('3 refused by the write policy');
  });

  it('connections --help says what each subcommand does', async () => {
    const r = await cli(['connections', '--help']);
    for (const sub of ['list', 'add', 'verify', 'remove']) expect(r.stdout).toMatch(new RegExp(`^  ${sub}\\s+\\S`, 'm'));
  });

  // Found by a new user's walk (2026-12-07): `help search` printed the general help.
  it('help COMMAND is COMMAND --help', async () => {
    const r = await cli(['help', 'search']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await cli(['search', '--help'])).stdout);
    expect(r.stdout).toMatch(/^Usage: segment-router search/m);
  });

  // Noticed in the review of 2026-12-07: `call SEGMENT_TRACK --help` showed the generic help of call.
  it("call SLUG --help is that tool's page: arguments, where its ids come from, an example that runs as a dry run", async () => {
    const r = await cli(['call', 'SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE: List Schema Settings in Source (read, toolset sources)');
    expect(r.stdout).toMatch(/^  sourceId\*\s+string$/m);
    expect(r.stdout).toContain('sourceId: segment-router call SEGMENT_LIST_SOURCES');
    const example = /call SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE --args '([^']+)' --dry-run/.exec(r.stdout)![1]!;
    const dry = await cli(['call', 'SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', '--args', example, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(json(dry.stdout).data.requests[0].method).toBe('GET');
    const track = await cli(['help', 'call', 'segment_track']);
    expect(track.stdout).toBe((await cli(['call', 'SEGMENT_TRACK', '--help'])).stdout);
    expect(track.stdout).toMatch(/^  event\*\s+string: /m);
    expect(track.stdout).toContain('--write=ask --dry-run');
    expect(track.stdout).toMatch(/^Refused now by the write policy: /m);
    const typo = await cli(['call', 'SEGMENT_TRAK', '--help']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean SEGMENT_TRACK');
  });

  it('no command prints help and exits 2; an unknown command or flag is a usage error', async () => {
    expect((await cli([])).code).toBe(2);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    expect((await cli(['tools', '--no-such-flag'])).code).toBe(2);
  });
});

describe('tools and schema', () => {
  it('tools --json lists slug, title, access, toolset and api for every tool', async () => {
    const r = await cli(['tools', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.count).toBe(out.tools.length);
    expect(out.toolsets).toContain('tracking');
    for (const t of out.tools) {
      expect(Object.keys(t).sort()).toEqual(['access', 'api', 'slug', 'title', 'toolset']);
      expect(['read', 'write', 'destructive']).toContain(t.access);
      expect(['tracking', 'public']).toContain(t.api);
    }
    expect(out.tools).toContainEqual({ slug: 'SEGMENT_TRACK', title: 'Track an event', access: 'write', toolset: 'tracking', api: 'tracking' });
  });

  it('tools prints a readable table by default', async () => {
    const r = await cli(['tools']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^SLUG\s+ACCESS\s+TOOLSET\s+API\s+TITLE$/m);
    expect(r.stdout).toMatch(/^SEGMENT_TRACK\s+write\s+tracking\s+tracking\s+Track an event$/m);
  });

  it('--tools and --toolsets scope the list; unknown names are usage errors that list the valid ones', async () => {
    const one = JSON.parse((await cli(['tools', '--json', '--tools=segment_track'])).stdout);
    expect(one.tools.map((t: { slug: string }) => t.slug)).toEqual(['SEGMENT_TRACK']);
    const bad = await cli(['tools', '--toolsets=tracking,nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown toolset "nope"\. Valid toolsets: .*tracking/);
    // A near miss is named (a new user's walk, 2026-12-07: it listed all 34).
    const near = await cli(['tools', '--toolsets=trackng']);
    expect(near.stderr).toContain('Unknown toolset "trackng". Did you mean tracking?');
    expect((await cli(['import', '--help'])).stdout).toMatch(/Exit codes: .*130 stopped by Ctrl-C, 143 stopped by SIGTERM/);
    const badTool = await cli(['tools', '--tools=SEGMENT_TRAK']);
    expect(badTool.code).toBe(2);
    expect(badTool.stderr).toContain('Did you mean SEGMENT_TRACK');
  });

  it('schema prints the input JSON Schema; an unknown slug is exit 2', async () => {
    const r = await cli(['schema', 'SEGMENT_TRACK', '--json']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.type).toBe('object');
    expect(schema.required).toContain('event');
    expect(schema.properties.userId.type).toBe('string');
    const text = await cli(['schema', 'segment-track']);
    expect(text.stdout.split('\n')[0]).toBe('SEGMENT_TRACK: Track an event (write)');
    const bad = await cli(['schema', 'NOPE_NOT_A_TOOL']);
    expect(bad.code).toBe(2);
  });
});

describe('search', () => {
  it('--json is the SEARCH_TOOLS answer, with what-to-do hints worded for the command line', async () => {
    const r = await cli(['search', 'track an event', '--limit', '3', '--json']);
    expect(r.code).toBe(0);
    const fromCli = JSON.parse(r.stdout);
    const router = await startRouter({ env });
    try {
      const { structured } = await callTool(router.client, 'SEARCH_TOOLS', { queries: [{ use_case: 'track an event' }], limit: 3 });
      const blocked = (a: { tool_schemas: Record<string, { blocked_by_policy?: string }> }) => a.tool_schemas.SEGMENT_TRACK!.blocked_by_policy!;
      expect(blocked(structured)).toMatch(/An operator can restart segment-router with --write=ask/);
      expect(blocked(fromCli)).toContain('segment-router call SEGMENT_TRACK');
      expect(blocked(fromCli)).not.toMatch(/operator|dry_run/);
      // Apart from those words, the very same answer.
      const sameWords = (a: { tool_schemas: Record<string, { blocked_by_policy?: string }> }) => {
        for (const t of Object.values(a.tool_schemas)) if (t.blocked_by_policy) t.blocked_by_policy = t.blocked_by_policy.split('. ')[0]!;
        return a;
      };
      expect(sameWords(fromCli)).toEqual(sameWords(structured));
    } finally {
      await router.close();
    }
    expect(fromCli.results[0].primary_tool_slugs).toContain('SEGMENT_TRACK');
    expect(fromCli.tool_schemas.SEGMENT_TRACK.input_schema.type).toBe('object');
    expect(fromCli.toolkit_connection_statuses[0].status).toBe('ACTIVE');
  });

  it('text names the tools, their access and the connection', async () => {
    const r = await cli(['search', 'identify a user', 'track an event']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Use case: identify a user');
    expect(r.stdout).toContain('Use case: track an event');
    expect(r.stdout).toMatch(/^\s+1\s+SEGMENT_IDENTIFY\s+write/m);
    expect(r.stdout).toContain('Connection: ACTIVE');
  });

  it('a missing use case or a bad --limit is a usage error', async () => {
    expect((await cli(['search'])).code).toBe(2);
    expect((await cli(['search', 'x', '--limit', '0'])).code).toBe(2);
  });
});

describe('call: the exit codes, each reached for real', () => {
  it('0: a write under --write=allow reaches Segment and answers like EXECUTE_TOOL', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--write=allow', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ successful: true, tool_slug: 'SEGMENT_TRACK', data: { accepted: true } });
    expect(sb.events.map((e) => e.event)).toEqual(['Order Completed']);
    expect(sb.events[0]!.messageId).toBe(out.data.messageId);
  });

  // Found by a new user's walk (2026-12-07): with the sandbox stopped, a call sat silent for 4 min 45 s
  // (a refused connection retried ten times with backoff), then blamed "the network and the region".
  it('1: a stopped sandbox fails within seconds and says nothing listens there', async () => {
    const { createServer } = await import('node:net');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    const list = await cli(['call', 'SEGMENT_LIST_SOURCES'], { env: { ...env, SEGMENT_PUBLIC_API_URL: url, SEGMENT_TRACKING_API_URL: url } });
    const track = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--write=allow', '--validate=off'], { env: { ...env, SEGMENT_PUBLIC_API_URL: url, SEGMENT_TRACKING_API_URL: url } });
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const r of [list, track]) {
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/nothing listens there on this machine \(the local stand-in for Segment, segment-router sandbox, is not running\?\)/);
    }
    // Its retries are said as they happen, in words for a person (they were JSON log lines); --json keeps JSON lines.
    expect(track.stderr).toMatch(/^segment-router: warning: retrying tracking request \(.*attempt=1/m);
    expect(track.stderr).not.toContain('{"time"');
    const asJson = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--write=allow', '--validate=off', '--json'], { env: { ...env, SEGMENT_PUBLIC_API_URL: url, SEGMENT_TRACKING_API_URL: url } });
    expect(JSON.parse(asJson.stderr.split('\n')[0]!)).toMatchObject({ level: 'warn', msg: 'retrying tracking request' });
  }, 60_000);

  // Found by an adversarial review (2026-12-07): an error quoting Segment reached the terminal with ESC, OSC,
  // C1 and right-to-left override characters raw (a window title set, colours, a line reordered).
  it('1: an error quoting Segment cannot drive the terminal: its controls are shown as escapes', async () => {
    sb.faults.add({ path: '/sources', status: 404, times: 1, body: { errors: [{ type: 'not-found', message: 'gone \u001b]0;OWNED\u0007 \u001b[31mRED\u001b[0m \u009b31m C1 \u202eevil\rX' }] } });
    const r = await cli(['call', 'SEGMENT_LIST_SOURCES']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gone \\u001b]0;OWNED\\u0007');
    expect(r.stderr + r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    const typed = await cli(['\u001b[2Jnope']);
    expect(typed.stderr).not.toContain('\u001b');
  });

  it('0: --json prints the whole answer: the inline limit is for MCP clients, which get a resource_link instead', async () => {
    for (let i = 0; i < 100; i++) sb.publicApi.sources.push(source(`src_${i}`, `s-${i}`, `Source ${i}`, [`key-${i}`], 'ws_sandbox'));
    const r = await cli(['call', 'SEGMENT_LIST_SOURCES', '--json'], { env: { ...env, SEGMENT_ROUTER_MAX_ANSWER_BYTES: '20000' } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.truncated).toBeUndefined();
    expect(out.data.sources).toHaveLength(sb.publicApi.sources.length);
  });

  // Found by a new user's walk (2026-12-07): --args @file.json was read as JSON text ("not valid JSON").
  it('0: --args @FILE reads the arguments from a file; a missing one is a usage error naming it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sr-args-')), 'track.json');
    writeFileSync(path, TRACK);
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', `@${path}`, '--write=allow', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(sb.events.map((e) => e.event)).toEqual(['Order Completed']);
    const missing = await cli(['call', 'SEGMENT_TRACK', '--args', `@${path}.nope`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--args @${path}.nope: no such file`);
  });

  it('0: --args - reads the arguments from stdin; text output for people', async () => {
    const r = await cli(['call', 'segment_track', '--args', '-', '--write=allow'], { input: TRACK });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK SEGMENT_TRACK\n/);
    expect(sb.events).toHaveLength(1);
  });

  it('0: --dry-run shows the request with the write key masked and sends nothing', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.data).toMatchObject({ dry_run: true, sent: false });
    expect(out.data.requests[0].headers.Authorization).toMatch(/^Basic <write key \*{4}\w{4}>$/);
    expect(sb.requests.filter((q) => q.path.startsWith('/v1/'))).toHaveLength(0);
    // The findings the real call would get (a new user's walk, 2026-12-07: under deny the plan was not read for a dry run).
    expect(out.data.notes.tracking_plan.status).toBe('applied');
  });

  it('1: invalid arguments (validation); nothing is sent', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', '{"userId":"u1"}', '--write=allow', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ kind: 'validation' });
    expect(sb.events).toHaveLength(0);
  });

  it('1: Segment refuses the call (upstream)', async () => {
    sb.faults.add({ path: '/v1/track', status: 400, body: { success: false, message: 'Invalid JSON' } });
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--write=allow', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).successful).toBe(false);
  });

  it('2: bad --args JSON, an unknown slug, a missing slug', async () => {
    const badJson = await cli(['call', 'SEGMENT_TRACK', '--args', '{userId:']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--args is not valid JSON');
    const unknown = await cli(['call', 'SEGMENT_TRAK', '--args', '{}', '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error.kind).toBe('unknown_tool');
    // A meta tool's name is pointed to the command that does its job.
    const meta = await cli(['call', 'RUN_SCRIPT', '--args', '{}']);
    expect(meta.code).toBe(2);
    expect(meta.stderr).toMatch(/RUN_SCRIPT is one of the router's own tools, not a Segment tool/);
    expect(meta.stderr).toContain('segment-router run FILE.js');
    expect((await cli(['call'])).code).toBe(2);
  });

  it('3: refused by the write policy (deny, the default)', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.kind).toBe('policy');
    expect(sb.events).toHaveLength(0);
    // Found by a new user's walk (2026-12-07): a refused track still read the tracking plan first (four
    // Public API requests); the README says nothing reaches Segment.
    expect(sb.requests.map((q) => `${q.method} ${q.path}`)).toEqual([]);
  });

  it('3: --write=ask with no terminal to ask on refuses, saying what to do', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--write=ask']);
    expect(r.code).toBe(3);
    // Found by an adversarial review (2026-12-07): it read the tracking plan first, four Public API requests.
    expect(sb.requests).toEqual([]);
    expect(r.stderr).toContain('no terminal is attached to ask on');
    expect(r.stderr).toContain('--write=allow');
    expect(sb.events).toHaveLength(0);
  });

  it('4: not connected (no write key)', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK, '--write=allow', '--json'], { env: { ...env, SEGMENT_WRITE_KEY: '' } });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.kind).toBe('not_connected');
    // A script under ask with a write and no write key (a review of 2026-12-07: it exited 1).
    const script = join(mkdtempSync(join(tmpdir(), 'sr-run4-')), 'track.js');
    writeFileSync(script, `return await tools.call('SEGMENT_TRACK', ${TRACK});`);
    const run = await cli(['run', script, '--write=ask', '--json'], { env: { ...env, SEGMENT_WRITE_KEY: '' } });
    expect(JSON.parse(run.stdout).error.kind).toBe('not_connected');
    expect(run.code).toBe(4);
  });

  // Found by an adversarial review (2026-12-07): a token Segment refused (401) exited 1, as a 404 or a 500 does.
  it('4: the credential refused (HTTP 401)', async () => {
    const r = await cli(['call', 'SEGMENT_LIST_SOURCES', '--json'], { env: { ...env, SEGMENT_PUBLIC_API_TOKEN: 'sgp_revoked_token_0123456789' } });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.kind).toBe('auth');
  });
});


describe.skipIf(!hasScript)('call --write=ask on a terminal', () => {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const inPty = (command: string, answer: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env, detached: true });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
      child.stdin.end(answer);
    });

  it('asks with a summary; "y" sends, anything else does not', async () => {
    const cmd = `${quote(process.execPath)} ${quote(CLI)} call SEGMENT_TRACK --args ${quote(TRACK)} --write=ask --json`;
    const yes = await inPty(cmd, 'y\n');
    expect(yes.out).toContain('Track an event (SEGMENT_TRACK, write): send the event "Order Completed" for "u_cli".');
    // Noticed 2026-12-07: the question said "Segment" when the call went to the sandbox.
    expect(yes.out).toMatch(/Send this to http:\/\/127\.0\.0\.1:\d+ \(not Segment\)\? \[y\/N\]/);
    expect(yes.code).toBe(0);
    expect(json(yes.out).successful).toBe(true);
    expect(sb.events).toHaveLength(1);

    const no = await inPty(cmd, 'n\n');
    expect(no.code).toBe(3);
    expect(json(no.out).error.message).toContain('the user answered no');
    expect(sb.events).toHaveLength(1);
  });

  it('Ctrl-C at the question is a no: nothing sent, and no "internal error" blamed on the router', async () => {
    const cmd = `${quote(process.execPath)} ${quote(CLI)} call SEGMENT_TRACK --args ${quote(TRACK)} --write=ask --json`;
    const before = sb.events.length;
    // The key pressed once the question is on the screen (readline reads it, in raw mode).
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, detached: true });
      let out = '';
      let pressed = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!pressed && out.includes('[y/N]')) {
          pressed = true;
          child.stdin.write('\u0003');
        }
      });
      child.on('close', (code) => resolve({ code, out }));
    });
    // Before: readline's AbortError went up as an internal error, "a bug in segment-router", exit 1.
    expect(r.code).toBe(3);
    expect(json(r.out).error.kind).toBe('policy');
    expect(json(r.out).error.message).toContain('Ctrl-C');
    expect(r.out).not.toMatch(/internal|a bug in segment-router/i);
    expect(sb.events).toHaveLength(before);
  });

  it('SIGTERM while the question waits: withdrawn, nothing sent, exit 143', async () => {
    const cmd = `echo PID=$$; exec ${quote(process.execPath)} ${quote(CLI)} call SEGMENT_TRACK --args ${quote(TRACK)} --write=ask --json`;
    const before = sb.events.length;
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, detached: true });
      let out = '';
      let sent = false;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const pid = /PID=(\d+)/.exec(out)?.[1];
        if (!sent && pid && out.includes('[y/N]')) {
          sent = true;
          process.kill(Number(pid), 'SIGTERM');
        }
      });
      child.on('close', (code) => (clearTimeout(timer), resolve({ code, out })));
    });
    // Before: "Stopping..." and then the question went on waiting for an answer.
    expect(r.code).toBe(143);
    expect(r.out).toMatch(/stopped before the user answered/);
    expect(sb.events).toHaveLength(before);
  });

  it('asks on the terminal even when the arguments come from stdin (--args -)', async () => {
    const cmd = `printf %s ${quote(TRACK)} | ${quote(process.execPath)} ${quote(CLI)} call SEGMENT_TRACK --args - --write=ask --json`;
    const r = await inPty(cmd, 'y\n');
    expect(r.code).toBe(0);
    expect(sb.events).toHaveLength(1);
  });
});
