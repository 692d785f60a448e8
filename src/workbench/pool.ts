import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SCRIPT_LIMITS } from './limits.js';
import type { EngineLimits, EngineOutcome, FromEngine, ToEngine } from './protocol.js';

/** The built worker; from the TypeScript sources (tests) the build's copy, which `npm test` makes first. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL('../../dist/workbench/worker.js', import.meta.url);
}

export interface RunHandlers {
  onCall(slug: string, argsJson: string): Promise<string>;
  onLog(level: string, line: string): void;
}

/** What ended a run when the engine could not say it itself. */
export type ThreadEnd = EngineOutcome | { ok: false; crashed: string };
/** `busy`: the run never started. */
export type RunEnd = ThreadEnd | { ok: false; busy: string };

/** One engine thread. A run that did not end normally leaves the thread to be ended, never reused. */
export class EngineThread {
  private runId = 0;
  private current?: { id: number; handlers: RunHandlers; end: (e: ThreadEnd) => void };
  private dead?: string;
  /** A script made the engine's memory grow past twice its start: the memory stays that size, so the thread is not kept. */
  grown = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromEngine) => this.onMessage(m));
    worker.on('error', (err) => this.die(`the sandbox thread failed: ${err.message}`));
    worker.on('exit', (code) => this.die(`the sandbox thread stopped (exit code ${code})`));
    worker.unref();
  }

  static start(): Promise<EngineThread> {
    const worker = new Worker(workerUrl());
    return new Promise((resolve, reject) => {
      const onReady = (m: FromEngine) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        worker.off('error', reject);
        resolve(new EngineThread(worker));
      };
      worker.on('message', onReady);
      worker.once('error', reject);
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  run(script: string, limits: EngineLimits, handlers: RunHandlers): Promise<ThreadEnd> {
    if (this.dead) return Promise.resolve({ ok: false, crashed: this.dead });
    const id = ++this.runId;
    // Held while a run is on: a CLI run must not exit with the script half done.
    this.worker.ref();
    return new Promise<ThreadEnd>((end) => {
      this.current = { id, handlers, end };
      this.send({ type: 'run', runId: id, script, limits });
    }).finally(() => {
      this.current = undefined;
      this.worker.unref();
    });
  }

  /** Ends the thread at once (a runaway script, a cancelled call, shutdown). */
  async terminate(reason = 'the sandbox was stopped'): Promise<void> {
    this.die(reason);
    await this.worker.terminate();
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = reason;
    this.current?.end({ ok: false, crashed: reason });
  }

  private send(m: ToEngine): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  private onMessage(m: FromEngine): void {
    const run = this.current;
    if (!run || m.type === 'ready' || m.runId !== run.id) return;
    if (m.type === 'log') run.handlers.onLog(m.level, m.line);
    else if (m.type === 'call') {
      // A call that throws on the host is the script's error, never an unhandled rejection that ends the process.
      const failed = (err: unknown) => JSON.stringify({ ok: false, error: { kind: 'internal', message: `The router could not run this call: ${(err as Error)?.message ?? String(err)}`, hint: 'This is a bug in segment-router; please report it.', slug: m.slug } });
      void run.handlers.onCall(m.slug, m.args).then(
        (json) => json,
        (err: unknown) => failed(err),
      ).then((json) => {
        if (this.current?.id === m.runId) this.send({ type: 'answer', runId: m.runId, callId: m.callId, json });
      });
    } else {
      this.grown = m.engineBytes > 2 * SCRIPT_LIMITS.engineStartBytes || m.outcome.broken === true;
      run.end(m.outcome);
    }
  }
}

export class PoolBusyError extends Error {}

/** A place kept for a run to come (a script's real run while the user reads its plan). */
export interface PoolHold {
  /** Used by the run it was kept for: true once, the first time. */
  take(): boolean;
  /** Given back unused (the user said no); nothing once taken. */
  drop(): void;
}

/**
 * Engine threads for RUN_SCRIPT: one per running script, at most `maxRunning` at once, and a warm
 * idle one kept so the next run does not pay for loading the engine.
 */
export class EnginePool {
  private readonly idle: EngineThread[] = [];
  private readonly all = new Set<EngineThread>();
  private running = 0;
  private closed = false;

  constructor(readonly maxRunning = 4, private readonly keepIdle = 1) {}

  /** Counts a run to come as running now: scripts started meanwhile cannot take its place. */
  hold(): PoolHold {
    this.admit();
    let open = true;
    return {
      take: () => {
        const was = open;
        open = false;
        return was;
      },
      drop: () => {
        if (!open) return;
        open = false;
        this.running--;
      },
    };
  }

  private admit(): void {
    if (this.closed) throw new PoolBusyError('The server is shutting down.');
    if (this.running >= this.maxRunning) throw new PoolBusyError(`${this.running} scripts are running, the most this server runs at once.`);
    this.running++;
  }

  /** A thread for one run: a place of its own, or the one `hold` kept for it. */
  async acquire(hold?: PoolHold): Promise<EngineThread> {
    if (!hold?.take()) this.admit();
    try {
      let thread = this.idle.pop();
      while (thread && !thread.alive) thread = this.idle.pop();
      if (!thread) {
        thread = await EngineThread.start();
        this.all.add(thread);
      }
      return thread;
    } catch (err) {
      this.running--;
      throw err;
    }
  }

  /** Back to the pool when the run ended normally; otherwise the thread is ended. */
  release(thread: EngineThread, reusable: boolean): void {
    this.running--;
    if (reusable && thread.alive && !thread.grown && !this.closed && this.idle.length < this.keepIdle) this.idle.push(thread);
    else this.end(thread);
  }

  /** Starts a thread ahead of the first run. */
  async warm(): Promise<void> {
    if (this.closed || this.idle.length) return;
    const thread = await EngineThread.start();
    this.all.add(thread);
    if (this.closed) this.end(thread);
    else this.idle.push(thread);
  }

  end(thread: EngineThread): void {
    this.all.delete(thread);
    void thread.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.all].map((t) => t.terminate('the server is shutting down')));
    this.all.clear();
  }
}
