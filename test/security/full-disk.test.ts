import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { CheckpointStore } from '../../src/import/checkpoint.js';
import { runImport } from '../../src/import/runner.js';
import type { Executor } from '../../src/execution/executor.js';
import { CLI, expectNoSecrets, sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';

/**
 * A disk that fills up in the middle of a write. `ulimit -f` (in KiB) makes it happen for one child
 * process exactly as a full disk does: a write that crosses the limit writes part of what it was given,
 * without an error, and the next one fails (EFBIG where a full disk says ENOSPC). A file written with
 * one such write and trusted afterwards loses its tail silently.
 */

const DIST = resolve(__dirname, '../../dist');
const dir = mkdtempSync(join(tmpdir(), 'sr-full-disk-'));

/** Runs `node args` with files limited to `kib` KiB; its exit code and output. */
function limited(kib: number, args: string[], env: Record<string, string> = { PATH: process.env.PATH ?? '' }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', `ulimit -f ${kib} && exec "$0" "$@"`, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A module script run with the limit: `body` sees the built modules by name. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body.replaceAll('@dist', DIST));
  return path;
}

describe('a disk that fills during a write', () => {
  it('keeps the old credentials file whole when the new one cannot be written whole (it was replaced by its first KiB)', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const target = join(home, 'credentials.json');
    const run = script('atomic.mjs', `
      import { readFileSync, readdirSync } from 'node:fs';
      import { writeFileAtomic } from '@dist/connections/secure-file.js';
      const [target, home] = process.argv.slice(2);
      writeFileAtomic(target, '{"old":true}');
      let outcome = 'written';
      try { writeFileAtomic(target, JSON.stringify({ secrets: 'x'.repeat(4096) })); } catch (e) { outcome = e.code; }
      console.log(JSON.stringify({ outcome, content: readFileSync(target, 'utf8'), files: readdirSync(home) }));
    `);
    const r = await limited(1, [run, target, home]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { outcome: string; content: string; files: string[] };
    expect(out.outcome).toBe('EFBIG');
    expect(out.content).toBe('{"old":true}');
    expect(out.files).toEqual(['credentials.json']); // no temp file left behind
  });

  it('reports a delivery journal line it could not write whole (the call was journaled by half a line, silently)', async () => {
    const home = mkdtempSync(join(dir, 'journal-'));
    const run = script('journal.mjs', `
      import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
      import { join } from 'node:path';
      import { DeliveryJournal, JOURNAL_FILE } from '@dist/segment/tracking/journal.js';
      const home = process.argv[2];
      mkdirSync(home, { recursive: true });
      // 1,000 bytes of ended calls: the next begin line crosses the 1 KiB limit.
      appendFileSync(join(home, JOURNAL_FILE), ('{"t":"end","id":"' + 'e'.repeat(29) + '"}\\n').repeat(20));
      const journal = new DeliveryJournal(home);
      let outcome = 'written';
      try { journal.begin('fp-1', { prefix: 'sr-p-', now: '2026-01-01T00:00:00Z', total: 3 }); } catch (e) { outcome = e.code; }
      console.log(JSON.stringify({ outcome }));
    `);
    const r = await limited(1, [run, home]);
    expect(JSON.parse(r.stdout)).toEqual({ outcome: 'EFBIG' });
  });

  describe('import', () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    });
    afterAll(() => sb.close());

    it('loses no reject when the reject file fills the disk: the run stops with a summary, the same command then finishes it', async () => {
      // 3,000 lines, every third without a timestamp (a reject of ~400 bytes): ~400 KB of rejects against a 64 KiB limit.
      const TS = '2025-06-01T12:00:00Z';
      const text = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ type: 'track', userId: `u${i}`, event: 'Order Completed', ...(i % 3 === 2 ? {} : { timestamp: TS }), properties: { seq: i + 1 } })).join('\n') + '\n';
      const input = join(dir, 'events.ndjson');
      writeFileSync(input, text);
      const env = sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'warn' });
      const args = [CLI, 'import', input, '--write=allow', '--validate=off', '--json', '--batch-size=100'];

      // Each call answered after 250 ms: the checkpoint is saved as each chunk settles (at most every 200 ms).
      sb.faults.add({ path: '/v1/batch', delayMs: 250, times: 10_000 });
      const first = await limited(64, args, env);
      sb.faults.clear();
      expectNoSecrets(first.stdout, first.stderr);
      expect(first.code).toBe(1);
      const summary = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as { complete: boolean; stopped?: { reason: string; message: string } };
      expect(summary.complete).toBe(false);
      expect(summary.stopped?.reason).toBe('cannot_write');
      expect(summary.stopped?.message).toMatch(/events\.ndjson\.rejects\.ndjson.*EFBIG.*run the same command/s);

      const second = await limited(100_000, args, env);
      expect(second.code).toBe(1); // finished, with rejects
      expect(JSON.parse(second.stdout.trim().split('\n').at(-1)!)).toMatchObject({ complete: true, rejected: 1000, accepted: 2000 });
      const rejectLines = readFileSync(`${input}.rejects.ndjson`, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: number }).line);
      const bad = Array.from({ length: 1000 }, (_, k) => 3 * k + 3);
      expect(rejectLines.length).toBe(1000);
      expect([...new Set(rejectLines)].sort((a, b) => a - b)).toEqual(bad);
      const seqs = new Set(sb.events.filter((e) => !e.dropped).map((e) => (e.message.properties as { seq: number }).seq));
      expect(seqs.size).toBe(2000);
      expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    }, 120_000);

    /** 3,000 lines, every third without a timestamp (a reject), in a file of its own. */
    const eventsFile = (name: string, from = 0) => {
      const TS = '2025-06-01T12:00:00Z';
      const path = join(dir, name);
      writeFileSync(path, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ type: 'track', userId: `u${i}`, event: 'Order Completed', ...(i % 3 === 2 ? {} : { timestamp: TS }), properties: { seq: from + i + 1 } })).join('\n') + '\n');
      return path;
    };
    const rejectLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { line: number; record: string });
    const lastLine = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { complete: boolean; accepted: number; rejected: number; stopped?: { reason: string; message: string } };

    it('sends nothing when its checkpoint cannot be written: a named reject file got every reject twice from the run after (no checkpoint said where to cut)', async () => {
      const input = eventsFile('no-checkpoint.ndjson');
      const rejects = join(dir, 'named-rejects.ndjson');
      const env = sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'warn' });
      // A folder where the checkpoint goes: every save of it fails (the lock beside it still works).
      const checkpoint = join(env.SEGMENT_ROUTER_HOME!, 'journal', 'imports', `${CheckpointStore.key(realpathSync(input))}.json`);
      mkdirSync(checkpoint, { recursive: true });
      sb.reset();
      const args = [CLI, 'import', input, '--write=allow', '--validate=off', '--json', '--batch-size=100', `--rejects=${rejects}`];
      const first = await limited(100_000, args, env);
      expect(first.code).toBe(1);
      expect(lastLine(first.stdout).stopped).toMatchObject({ reason: 'cannot_write' });
      expect(sb.events).toHaveLength(0);
      rmSync(checkpoint, { recursive: true });
      const second = await limited(100_000, args, env);
      expect(lastLine(second.stdout)).toMatchObject({ complete: true, accepted: 2000, rejected: 1000 });
      const lines = rejectLines(rejects).map((r) => r.line);
      expect(lines.length).toBe(1000);
      expect(new Set(lines).size).toBe(1000);
    }, 120_000);

    it('a reject file shared with another import keeps no half of a chunk a full disk cut: the re-run wrote those rejects a second time', async () => {
      const a = eventsFile('shared-a.ndjson');
      const b = eventsFile('shared-b.ndjson', 10_000);
      const shared = join(dir, 'shared-rejects.ndjson');
      const env = sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'warn' });
      const args = (input: string) => [CLI, 'import', input, '--write=allow', '--validate=off', '--json', '--batch-size=100', `--rejects=${shared}`];
      sb.reset();
      const cut = await limited(40, args(a), env);
      expect(lastLine(cut.stdout).stopped).toMatchObject({ reason: 'cannot_write' });
      expect(lastLine((await limited(100_000, args(b), env)).stdout)).toMatchObject({ complete: true, rejected: 1000 });
      expect(lastLine((await limited(100_000, args(a), env)).stdout)).toMatchObject({ complete: true, rejected: 1000 });
      const rows = rejectLines(shared);
      const fromA = rows.filter((r) => (JSON.parse(r.record) as { properties: { seq: number } }).properties.seq < 10_000).map((r) => r.line);
      expect(rows.length).toBe(2000);
      expect(new Set(fromA).size).toBe(1000);
      expect(fromA.length).toBe(1000);
    }, 120_000);

    it('a disk already full when the import starts: a summary that says so, nothing sent (only the system error was printed)', async () => {
      const input = eventsFile('full-at-start.ndjson');
      sb.reset();
      const r = await limited(0, [CLI, 'import', input, '--write=allow', '--validate=off', '--json'], sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'warn' }));
      expect(r.code).toBe(1);
      const s = lastLine(r.stdout);
      expect(s).toMatchObject({ complete: false, accepted: 0, stopped: { reason: 'cannot_write' } });
      expect(s.stopped!.message).toMatch(/make room/);
      expect(sb.events).toHaveLength(0);
    }, 60_000);
  });

  it('a call whose delivery journal cannot be written says so in its answer, not only in the log: a repeat of it would send again under new ids', async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    try {
      const env = sandboxEnv(sandbox, { SEGMENT_ROUTER_LOG_LEVEL: 'error' });
      mkdirSync(join(env.SEGMENT_ROUTER_HOME!, 'journal', 'tracking-journal.jsonl'), { recursive: true });
      const r = await limited(100_000, [CLI, 'call', 'SEGMENT_BATCH', '--args', JSON.stringify({ batch: [{ type: 'track', userId: 'u1', event: 'Order Completed' }] }), '--write=allow', '--json'], env);
      expect(r.code).toBe(0);
      const answer = JSON.parse(r.stdout) as { successful: boolean; warnings?: string[] };
      expect(answer.successful).toBe(true);
      expect(answer.warnings).toEqual([expect.stringMatching(/delivery journal could not be written.*repeat.*new messageIds/)]);
      expect(sandbox.events).toHaveLength(1);
    } finally {
      await sandbox.close();
    }
  }, 60_000);

  it('the audit log: a line a full disk cut is closed before the next one, which was glued to it and lost', async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    try {
      const env = sandboxEnv(sandbox, { SEGMENT_ROUTER_LOG_LEVEL: 'error' });
      const log = join(env.SEGMENT_ROUTER_HOME!, 'audit', 'audit.jsonl');
      mkdirSync(join(env.SEGMENT_ROUTER_HOME!, 'audit'), { recursive: true, mode: 0o700 });
      appendFileSync(log, `${JSON.stringify({ filler: 'x'.repeat(1000) })}\n`, { mode: 0o600 });
      const call = (kib: number, id: string) => limited(kib, [CLI, 'call', 'SEGMENT_TRACK', '--args', JSON.stringify({ userId: 'u1', event: 'Order Completed', messageId: id }), '--write=allow', '--json'], env);
      await call(1, 'audit-m1'); // its audit line crosses 1 KiB: cut
      expect(readFileSync(log, 'utf8').endsWith('\n')).toBe(false);
      await call(100_000, 'audit-m2');
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      const last = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
      expect(JSON.stringify(last)).toContain('SEGMENT_TRACK');
      expect(lines.filter((l) => l.includes('audit-m2') || l.includes(JSON.stringify(last).slice(0, 20)))).toHaveLength(1);
    } finally {
      await sandbox.close();
    }
  }, 60_000);

  it('a resume that cannot write its checkpoints leaves another import\'s rejects in a shared reject file (the run after cut them away)', async () => {
    const home = mkdtempSync(join(dir, 'shared-resume-'));
    const shared = join(home, 'shared.rejects.ndjson');
    const good = (event: string) => JSON.stringify({ type: 'track', userId: 'u', event, timestamp: '2024-01-01T00:00:00Z' });
    const f1 = join(home, 'f1.ndjson');
    const f2 = join(home, 'f2.ndjson');
    writeFileSync(f1, `not json A\n${good('E1')}\n`);
    writeFileSync(f2, `not json F2\n${good('E2')}\n`);
    let onCall = () => {};
    const executor = { execute: async (req: { arguments: { batch: unknown[] } }) => (onCall(), { successful: true, tool_slug: 'SEGMENT_BATCH', data: { accepted: req.arguments.batch.length, rejected_before_sending: [] } }) } as unknown as Executor;
    const deps = { executor, home, mask: (t: string) => t };
    const opts = (file: string) => ({ file, format: 'ndjson' as const, rejectsPath: shared, rejectsNamed: true });
    expect((await runImport(deps, opts(f1))).rejected).toBe(1);
    expect((await runImport(deps, opts(f2))).rejected).toBe(1);
    // f1 grows; its next run takes up after the first, and its checkpoints fail once its first call is made.
    appendFileSync(f1, `not json B\n${good('E3')}\n`);
    const cpDir = join(home, 'journal', 'imports');
    const checkpoints = () => readdirSync(cpDir).filter((n) => n.endsWith('.json'));
    onCall = () => {
      for (const n of checkpoints()) mkdirSync(join(cpDir, `${n}.${process.pid}.tmp`), { recursive: true });
    };
    expect((await runImport(deps, opts(f1))).stopped?.reason).toBe('cannot_write');
    onCall = () => {};
    for (const n of readdirSync(cpDir)) if (n.endsWith('.tmp')) rmSync(join(cpDir, n), { recursive: true });
    expect(await runImport(deps, opts(f1))).toMatchObject({ complete: true });
    const records = readFileSync(shared, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { record: string }).record);
    expect(records.filter((r) => r === 'not json F2')).toHaveLength(1);
    expect(records.filter((r) => r === 'not json B')).toHaveLength(1);
    expect(records.filter((r) => r === 'not json A')).toHaveLength(1);
  });

  it('a run whose calls the write policy refused (nothing went) binds no later run to its --type', async () => {
    const home = mkdtempSync(join(dir, 'refused-'));
    const file = join(home, 'untyped.ndjson');
    writeFileSync(file, `${JSON.stringify({ userId: 'u', event: 'E', timestamp: '2024-01-01T00:00:00Z' })}\n`);
    const refusing = { execute: async () => ({ successful: false, tool_slug: 'SEGMENT_BATCH', error: { kind: 'policy', message: 'Refused: writes are denied.' } }) } as unknown as Executor;
    const first = await runImport({ executor: refusing, home, mask: (t: string) => t }, { file, format: 'ndjson', type: 'page', rejectsPath: `${file}.rejects.ndjson` });
    expect(first).toMatchObject({ complete: false, stopped: { reason: 'refused' } });
    const executor = { execute: async (req: { arguments: { batch: unknown[] } }) => ({ successful: true, tool_slug: 'SEGMENT_BATCH', data: { accepted: req.arguments.batch.length, rejected_before_sending: [] } }) } as unknown as Executor;
    const again = await runImport({ executor, home, mask: (t: string) => t }, { file, format: 'ndjson', type: 'track', rejectsPath: `${file}.rejects.ndjson` });
    expect(again).toMatchObject({ complete: true, accepted: 1 });
  });

  // Changed 2026-12-07: the --type was written only once a call had settled, so a run killed after its first
  // call went out, before the answer, let a re-run with another --type send those lines again under new ids.
  it('a run that dies at its first call binds the next run to its --type (the call may have gone out): another is refused, the same goes on', async () => {
    const home = mkdtempSync(join(dir, 'fills-'));
    const file = join(home, 'untyped.ndjson');
    writeFileSync(file, `${JSON.stringify({ userId: 'u', event: 'E', timestamp: '2024-01-01T00:00:00Z' })}\n`);
    // The process dies at its first call (a crash, kill -9): the checkpoint written before it is what is left.
    const crashing = { execute: async () => { throw new Error('killed'); } } as unknown as Executor;
    await expect(runImport({ executor: crashing, home, mask: (t: string) => t }, { file, format: 'ndjson', type: 'track', rejectsPath: `${file}.rejects.ndjson` })).rejects.toThrow('killed');
    const executor = { execute: async (req: { arguments: { batch: unknown[] } }) => ({ successful: true, tool_slug: 'SEGMENT_BATCH', data: { accepted: req.arguments.batch.length, rejected_before_sending: [] } }) } as unknown as Executor;
    await expect(runImport({ executor, home, mask: (t: string) => t }, { file, format: 'ndjson', type: 'identify', rejectsPath: `${file}.rejects.ndjson` })).rejects.toThrow(/was imported before with --type track/);
    const again = await runImport({ executor, home, mask: (t: string) => t }, { file, format: 'ndjson', type: 'track', rejectsPath: `${file}.rejects.ndjson` });
    expect(again).toMatchObject({ complete: true, accepted: 1 });
  });
});
