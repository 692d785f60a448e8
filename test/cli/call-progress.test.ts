import { afterEach, describe, expect, it } from 'vitest';
import { callProgress } from '../../src/cli/call-progress.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { appWithSandbox } from '../helpers/inprocess.js';
import { runCli } from '../helpers/cli-process.js';
import { terminal } from '../helpers/terminal.js';
import { sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';

const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u-${i % 20}`, event: 'Order Completed', properties: { n: i } }));
const settle = () => new Promise((r) => setImmediate(r));

describe('segment-router call: the progress bar of a long call', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('a large SEGMENT_BATCH draws the bar on a terminal as its requests are answered', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const t = terminal(true);
    const bar = callProgress({ json: false, stream: t.stream, stdoutIsTTY: true });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: batch(6_000) } }, { progress: bar.progress });
    bar.stop();
    await settle();
    expect(r.successful).toBe(true);
    expect(t.drawn()).toContain('6000/6000 messages');
    expect(t.drawn()).toContain('100%');
  }, 60_000);

  it('draws nothing for a call that reports no progress, with --json, or off a terminal', async () => {
    const quiet = terminal(true);
    callProgress({ json: false, stream: quiet.stream, stdoutIsTTY: true }).stop();
    const json = terminal(true);
    const withJson = callProgress({ json: true, stream: json.stream, stdoutIsTTY: true });
    await withJson.progress?.(10, 20, 'x');
    withJson.stop();
    const piped = terminal(false);
    const offTerminal = callProgress({ json: false, stream: piped.stream, stdoutIsTTY: true });
    await offTerminal.progress?.(10, 20, 'x');
    offTerminal.stop();
    await settle();
    expect(quiet.drawn() + json.drawn() + piped.drawn()).toBe('');
  });

  it('the built command, piped: the answer on stdout and no trace of a bar on stderr', async () => {
    const sb: Sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    close = () => sb.close();
    const run = await runCli(['call', 'SEGMENT_BATCH', '--write=allow', '--args', '-'], { env: sandboxEnv(sb), input: JSON.stringify({ batch: batch(6_000) }), timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('OK SEGMENT_BATCH');
    expect(run.stderr).not.toMatch(/messages \||ETA|\u2588|\u2591/);
  }, 90_000);
});
