import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { REPEATED_ID_DROPPED } from '../../src/sandbox/tracking.js';
import { CLI, sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';

/**
 * The import killed for real: the built binary, a sink on 127.0.0.1, SIGKILL at random points (each
 * after a random number of requests reached the sink), SIGINT once, then a run to the end. Every
 * line must have reached the sink under exactly one messageId, and every bad line be in the reject
 * file exactly once.
 */

const GOOD = 3_000;
const BATCH = 100;
let sb: Sandbox;
let batches = 0;
const dir = mkdtempSync(join(tmpdir(), 'sr-import-crash-'));

beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY], onRequest: (r) => void (r.path === '/v1/batch' && batches++) });
  // Each request takes a little while, so kills land in the middle of the work.
  sb.faults.add({ path: '/v1/batch', delayMs: 25, times: 100_000 });
});
afterAll(() => sb.close());

/** Events each run sent again (a messageId the sink had already received), run by run. */
const resentByRun: number[] = [];
let seenEvents = 0;

function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, 'import', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))).then(async (r) => {
    await quiet();
    resentByRun.push(sb.events.slice(seenEvents).filter((e) => e.dropped === REPEATED_ID_DROPPED).length);
    seenEvents = sb.events.length;
    return r;
  });
  return { child, exit, out: () => stdout, err: () => stderr };
}

/**
 * Waits until no request has reached the sink for 200 ms: a killed run's last requests (each held 25 ms)
 * still arrive after it is gone, and counted for the next run they had it signalled before it had started.
 */
async function quiet(): Promise<void> {
  for (let seen = -1; seen !== batches; ) {
    seen = batches;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function untilBatches(n: number, exit: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void exit.then(() => (ended = true));
  while (batches < n && !ended) await new Promise((r) => setTimeout(r, 2));
  return !ended;
}

describe('import killed at random points', () => {
  it('continues where it stopped; every line reaches Segment under exactly one id; rejects are listed once', async () => {
    const lines: string[] = [];
    const bad = new Set<number>();
    for (let i = 0; i < GOOD; i++) {
      lines.push(JSON.stringify({ type: 'track', userId: `u${i % 50}`, event: 'Order Completed', timestamp: '2025-01-01T00:00:00Z', properties: { seq: i } }));
      if (i % 400 === 7) {
        lines.push(`{"seq": ${i}, broken`);
        bad.add(lines.length);
      }
    }
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, lines.join('\n') + '\n');
    const env = sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'error' });
    const args = [path, '--write=allow', '--batch-size', String(BATCH), '--json'];
    const seed = Date.now();
    let rnd = seed;
    const random = (n: number) => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31), rnd % n);

    const kills: number[] = [];
    for (let k = 0; k < 4; k++) {
      const run = start(args, env);
      const target = batches + 1 + random(5);
      if (await untilBatches(target, run.exit)) {
        run.child.kill('SIGKILL');
        kills.push(target);
      }
      await run.exit;
    }
    // Ctrl-C: calls in flight settle, the checkpoint is written, exit 130.
    const interrupted = start(args, env);
    if (await untilBatches(batches + 2, interrupted.exit)) interrupted.child.kill('SIGINT');
    const i = await interrupted.exit;
    if (i.code !== 0) {
      expect(i.code, interrupted.err()).toBe(130);
      expect(JSON.parse(interrupted.out()).stopped.reason).toBe('interrupted');
    }
    // SIGTERM (kill, a service manager): the same, and the exit code shells give it, 143.
    const terminated = start(args, env);
    if (await untilBatches(batches + 2, terminated.exit)) terminated.child.kill('SIGTERM');
    const t = await terminated.exit;
    if (t.code !== 0) {
      expect(t.code, terminated.err()).toBe(143);
      expect(JSON.parse(terminated.out()).stopped.reason).toBe('interrupted');
    }

    const last = start(args, env);
    const end = await last.exit;
    expect(end.code, `seed ${seed}: ${last.err()}`).toBe(1); // 1: the file has rejected lines
    const summary = JSON.parse(last.out());
    expect(summary).toMatchObject({ complete: true, accepted: GOOD, rejected: bad.size });
    expect(kills.length, `seed ${seed}`).toBeGreaterThanOrEqual(3);

    // Every line under exactly one id (a resend after a kill reuses the id: Segment drops it).
    const idsBySeq = new Map<number, Set<string>>();
    for (const e of sb.events) {
      const seq = (e.message.properties as { seq: number }).seq;
      idsBySeq.set(seq, (idsBySeq.get(seq) ?? new Set()).add(e.messageId!));
    }
    expect(idsBySeq.size, `seed ${seed}`).toBe(GOOD);
    const twoIds = [...idsBySeq].filter(([, ids]) => ids.size !== 1);
    expect(twoIds, `seed ${seed}`).toEqual([]);
    // Some lines were resent after a kill (same id), but each run went on where the last stopped: at
    // most the calls in flight and those the checkpoint had not caught up with (a few of 100 lines).
    expect(Math.max(...resentByRun), `seed ${seed}: resent by each run ${resentByRun.join(', ')}`).toBeLessThanOrEqual(10 * BATCH);

    const rejects = readFileSync(join(dir, 'events.ndjson.rejects.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).line);
    expect(rejects).toEqual([...bad]);
  }, 180_000);
});
