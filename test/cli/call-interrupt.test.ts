import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli-process.js';
import { CLI, sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { hasScript } from '../helpers/terminal.js';

/**
 * `segment-router call` on a terminal, stopped with Ctrl-C in the middle of a large SEGMENT_BATCH: it
 * starts no new request, puts the terminal back as it found it (the bar hides the cursor), says what
 * happened and what to do, and exits 130; the same command then sends only what was not accepted.
 */

const N = 12_000;
const batchRequests = (sb: Sandbox) => sb.requests.filter((r) => r.path === '/v1/batch').length;

async function until(check: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!hasScript)('segment-router call stopped with Ctrl-C', () => {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('stops sending, restores the terminal, says what reached Segment and to repeat the same call, exits 130; that command sends only the rest, under the same ids', async () => {
    sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    sb.faults.add({ path: '/v1/batch', delayMs: 400, times: 1_000 });
    const dir = mkdtempSync(join(tmpdir(), 'sr-call-int-'));
    const argsFile = join(dir, 'args.json');
    writeFileSync(argsFile, JSON.stringify({ batch: Array.from({ length: N }, (_, i) => ({ type: 'track', userId: `u${i % 50}`, event: 'Order Completed', properties: { n: i, pad: 'x'.repeat(200) } })) }));
    const env = sandboxEnv(sb, { SEGMENT_ROUTER_TIMEOUT_MS: '30000', SEGMENT_ROUTER_LOG_LEVEL: 'error' });
    const command = `'${process.execPath}' '${CLI}' call SEGMENT_BATCH --args - --write=allow < '${argsFile}'`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let drawn = '';
    child.stdout.on('data', (d: Buffer) => (drawn += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(() => batchRequests(sb!) >= 2 && drawn.includes('\u001b[?25l'));
    child.stdin.write('\u0003');
    const code = await exit;
    expect(code).toBe(130);
    // Before: node died on the signal's default action: no word, the cursor left hidden.
    expect(drawn).toMatch(/Stopping/);
    expect(drawn.lastIndexOf('\u001b[?25h')).toBeGreaterThan(drawn.lastIndexOf('\u001b[?25l'));
    expect(drawn).toMatch(/repeat the same call/i);
    expect(drawn).not.toMatch(/ETA NF/);
    const first = new Set(sb.events.map((e) => e.messageId)).size;
    expect(first).toBeLessThan(N);
    // The requests on their way were answered, not cut: the answer counts what Segment took.
    const said = /(\d+) of 12000 messages accepted/.exec(drawn);
    expect(said).not.toBeNull();
    expect(Number(said![1])).toBe(first);

    const again = await runCli(['call', 'SEGMENT_BATCH', '--args', '-', '--write=allow', '--json'], { env, input: readFileSync(argsFile, 'utf8'), timeoutMs: 120_000 });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).data.accepted).toBe(N);
    const idsByN = new Map<number, Set<string>>();
    for (const e of sb.events) {
      const n = (e.message.properties as { n: number }).n;
      idsByN.set(n, (idsByN.get(n) ?? new Set()).add(e.messageId!));
    }
    expect(idsByN.size).toBe(N);
    expect([...idsByN.values()].every((ids) => ids.size === 1)).toBe(true);
  }, 180_000);
});
