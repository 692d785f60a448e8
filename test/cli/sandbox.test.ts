import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { runCli, startCli, type LongRunning } from '../helpers/cli-process.js';

const run = promisify(execFile);
const DEMO = resolve(__dirname, '../../scripts/demo.mjs');
let proc: LongRunning | undefined;
afterEach(async () => {
  await proc?.stop();
  proc = undefined;
});

const base = { PATH: process.env.PATH ?? '' };

describe('segment-router sandbox', () => {
  it('says where it listens and how to point the router at it, then one line per event', async () => {
    proc = await startCli(['sandbox', '--port', '0'], base, /^What it received: /);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout())![1]!;
    const exported = Object.fromEntries([...proc.stdout().matchAll(/^ {2}export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(exported).toEqual({ SEGMENT_TRACKING_API_URL: url, SEGMENT_PUBLIC_API_URL: url, SEGMENT_WRITE_KEY: 'sandbox-write-key', SEGMENT_PUBLIC_API_TOKEN: 'sandbox-token' });

    // Exactly what a person would do next: export those and run the CLI.
    const env = { ...base, ...exported, SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-sb-')) } as Record<string, string>;
    const r = await runCli(['call', 'SEGMENT_TRACK', '--args', '{"userId":"u_sb","event":"Sandbox Tried"}', '--write=allow'], { env });
    expect(r.code).toBe(0);
    await expect.poll(() => proc!.stdout()).toMatch(/ track\s+Sandbox Tried user=u_sb id=sr-/);
    const events = (await (await fetch(`${url}/_sandbox/events`)).json()) as { count: number; events: { event: string }[] };
    expect(events.count).toBe(1);
    expect(events.events[0]!.event).toBe('Sandbox Tried');
  });

  it('--json prints one object per line, starting with where it listens', async () => {
    proc = await startCli(['sandbox', '--port', '0', '--json'], base, /"type":"listening"/);
    const first = JSON.parse(proc.ready);
    expect(first).toMatchObject({ type: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), env: { SEGMENT_WRITE_KEY: 'sandbox-write-key' } });
  });

  // Found by a new user's walk (2026-12-07): a second sandbox on the same port printed only Node's EADDRINUSE.
  it('a port already taken says so and what to do: another --port, or 0 for any free one', async () => {
    proc = await startCli(['sandbox', '--port', '0'], base, /^What it received: /);
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(proc.stdout())![1]!;
    for (const args of [['sandbox', '--port', port], ['serve', '--transport', 'http', '--port', port]]) {
      const r = await runCli(args, { env: { ...base, SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-sb-')) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(r.stderr).toContain('--port 0 takes any free port');
    }
  });

  it('a bad --port is a usage error', async () => {
    expect((await runCli(['sandbox', '--port', 'abc'], { env: base })).code).toBe(2);
  });
});

/** The demo lists sources through the Public API tools; until those are in the registry it cannot finish. */
const hasListSources = !!loadRegistry().get('SEGMENT_LIST_SOURCES');

describe('npm run demo', () => {
  it.skipIf(!hasListSources)('runs every step to completion and exits 0', async () => {
    const { stdout } = await run(process.execPath, [DEMO], { env: base, timeout: 60_000 });
    for (const heading of ['1. Find the tool for a task', '2. Check the connection', '3. Track an event', '4. Identify the user', "5. List the workspace's sources", '6. What the sandbox received']) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toContain('-> ACTIVE: tracking ACTIVE, public_api ACTIVE');
    expect(stdout).toMatch(/-> \d+ source\(s\): Website \(src_web, enabled\)/);
    expect(stdout).toMatch(/-> track "Signed Up" for user_42/);
    expect(stdout).toMatch(/-> identify for user_42/);
    expect(stdout).toContain('7. Check events against the tracking plan');
    expect(stdout).toMatch(/-> finding: message 1, error tracking_plan properties\.order_id: .*\(fix: add properties\.order_id\)/);
    expect(stdout).toMatch(/-> finding: message 0, warning naming event: .*\(fix: Order Completed\)/);
    // The finding shows a glimpse of the address, never the address.
    expect(stdout).toMatch(/-> finding: message 0, warning pii properties\.note: [^\n]*\(a\*\*\*@\*\*\*\.com\)/);
    expect(stdout.split('\n').filter((l) => l.includes('finding:') && l.includes('ada@example.com'))).toEqual([]);
    expect(stdout).toContain('Done: every step succeeded.');
  });

  /** Processes whose parent is `pid` (Linux /proc). */
  const childrenOf = (pid: number) =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return Number(readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  // Found by a new user's walk (2026-12-07): a demo stopped by SIGTERM (or its output closed) left its sandbox running.
  it.skipIf(process.platform !== 'linux')('stopped half-way, it takes its sandbox with it', async () => {
    const demo = spawn(process.execPath, [DEMO], { env: base, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    demo.stdout.on('data', (d) => (out += d));
    // Stopped as soon as the sandbox listens: it has printed nothing since, so nothing but the demo can end it.
    await expect.poll(() => out.includes('Sandbox listening'), { timeout: 30_000 }).toBe(true);
    const kids = childrenOf(demo.pid!);
    expect(kids.length).toBeGreaterThan(0);
    demo.kill('SIGTERM');
    await once(demo, 'exit');
    await expect.poll(() => kids.filter(alive), { timeout: 10_000 }).toEqual([]);
  });
});
