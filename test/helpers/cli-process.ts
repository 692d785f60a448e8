import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './router.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI once. `detached` puts it in its own session, so it has no controlling terminal
 * (no /dev/tty), exactly like a CI job or a service.
 */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: opts.env ?? { PATH: process.env.PATH ?? '' }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface LongRunning {
  child: ChildProcess;
  /** The first stdout line matching the pattern (e.g. where it listens). */
  ready: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts a long-running command (serve --transport=http, sandbox) and waits for its ready line. */
export function startCli(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 15_000): Promise<LongRunning> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const stop = () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`not ready after ${timeoutMs} ms; stdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (line && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ child, ready: line, stdout: () => out, stderr: () => err, stop });
      }
    });
    child.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; stdout: ${out}\nstderr: ${err}`));
    });
  });
}
