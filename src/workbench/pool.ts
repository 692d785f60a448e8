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

/** How long and until what a run may wait for a place when every one is taken (`EnginePool.acquire`). */
export interface PlaceWait {
  ms: number;
  signal?: AbortSignal;
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
  /** Runs waiting for a place (`acquire` with a wait), first come first served. */
  private readonly waiting: (() => void)[] = [];

  constructor(readonly maxRunning = 4, private readonly keepIdle = 1) {}

  private admit(): void {
    if (this.closed) throw new PoolBusyError('The server is shutting down.');
    if (this.running >= this.maxRunning) throw new PoolBusyError(`${this.running} scripts are running, the most this server runs at once.`);
    this.running++;
  }

  /**
   * A thread for one run. With `wait`, a run that finds every place taken waits for one to free, at
   * most `wait.ms` (a script the user has just confirmed: a yes is not answered "busy"); otherwise it
   * is refused at once.
   */
  async acquire(wait?: PlaceWait): Promise<EngineThread> {
    if (wait) {
      const deadline = Date.now() + wait.ms;
      // A run woken for a place that another took at once waits again at the head of the queue.
      for (let woken = false; !this.closed && this.running >= this.maxRunning && Date.now() < deadline && !wait.signal?.aborted; woken = true) {
        await this.placeFreed(deadline - Date.now(), wait.signal, woken);
      }
    }
    this.admit();
    try {
      let thread = this.idle.pop();
      while (thread && !thread.alive) thread = this.idle.pop();
      if (!thread) {
        thread = await EngineThread.start();
        this.all.add(thread);
      }
      return thread;
    } catch (err) {
      // The place was never used: it goes to the run waiting for one, as a released place does.
      this.running--;
      this.waiting[0]?.();
      throw err;
    }
  }

  /** Resolves when a place frees, after `ms`, or when `signal` aborts, whichever comes first. `first`: queue at the head. */
  private placeFreed(ms: number, signal?: AbortSignal, first = false): Promise<void> {
    return new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        const i = this.waiting.indexOf(finish);
        if (i >= 0) this.waiting.splice(i, 1);
        done();
      };
      const timer = setTimeout(finish, ms);
      signal?.addEventListener('abort', finish, { once: true });
      if (first) this.waiting.unshift(finish);
      else this.waiting.push(finish);
    });
  }

  /** Back to the pool when the run ended normally; otherwise the thread is ended. */
  release(thread: EngineThread, reusable: boolean): void {
    this.running--;
    this.waiting[0]?.();
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
    for (const wake of [...this.waiting]) wake();
    await Promise.all([...this.all].map((t) => t.terminate('the server is shutting down')));
    this.all.clear();
  }
}
