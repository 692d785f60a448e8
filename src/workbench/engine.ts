import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSDeferredPromise, type QuickJSHandle, type QuickJSWASMModule } from 'quickjs-emscripten';
import { cutText } from '../security/snippet.js';
import { SCRIPT_LIMITS, type LimitName } from './limits.js';
import { PRELUDE, SCRIPT_OPENING, wrapScript } from './prelude.js';
import type { EngineLimits, EngineOutcome, ScriptFailure } from './protocol.js';

export interface EngineHost {
  /** A tool call; resolves with the JSON the prelude expects ({ok, data} or {ok:false, error}). */
  call(slug: string, argsJson: string): Promise<string>;
  log(level: string, line: string): void;
}

const PAGE = 64 * 1024;

/** QuickJS in a WebAssembly memory that cannot grow past SCRIPT_LIMITS.engineMemoryBytes (limits.ts says why; nearMemoryLimit reads the same cap). */
export function newEngineModule(): Promise<QuickJSWASMModule> {
  const wasmMemory = new WebAssembly.Memory({ initial: SCRIPT_LIMITS.engineStartBytes / PAGE, maximum: SCRIPT_LIMITS.engineMemoryBytes / PAGE });
  // The engine's own error lines ("Aborted(...)" when a runtime cannot be freed) are not the server's
  // output: what they mean reaches the script's report (finish, below).
  // (Emscripten reads `printErr` from the module options; the loader's type does not list it.)
  const quiet = { printErr: () => {} } as NonNullable<Parameters<typeof newVariant>[1]['emscriptenModule']>;
  return newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory, emscriptenModule: quiet }));
}

/**
 * Runs one script in a fresh QuickJS runtime (WebAssembly): its own heap, stack and deadline, no
 * host access but `host.call` and `host.log`. Host calls return promises, so a script can await
 * them one after another or together; the runtime's jobs are run whenever an answer arrives.
 */
export function runInEngine(qjs: QuickJSWASMModule, script: string, limits: EngineLimits, host: EngineHost): Promise<EngineOutcome> {
  const deadline = Date.now() + limits.timeoutMs;
  const rt = qjs.newRuntime();
  rt.setMemoryLimit(limits.memoryBytes);
  rt.setMaxStackSize(limits.stackBytes);
  rt.setInterruptHandler(() => Date.now() > deadline);
  rt.setModuleLoader((name) => ({ error: new Error(`import("${name}") is not available in RUN_SCRIPT: scripts have no modules. Reach Segment through tools.call(slug, args).`) }));
  const ctx = rt.newContext();

  const pending = new Set<QuickJSDeferredPromise>();
  let logChars = 0;
  let logsDropped = 0;
  let settle!: (o: EngineOutcome) => void;
  const done = new Promise<EngineOutcome>((r) => (settle = r));
  let finished = false;
  let main: QuickJSHandle | undefined;
  let encode: QuickJSHandle | undefined;

  const finish = (o: { ok: true; answerJson: string } | { ok: false; failure: ScriptFailure }) => {
    if (finished) return;
    finished = true;
    // A runtime that ran out of memory half-way through an operation can leave objects QuickJS cannot
    // free: freeing it then aborts the engine (an assertion). The outcome stands all the same, and the
    // engine, no longer sound, is not used again (`broken`: the pool ends its thread).
    let broken = false;
    const free = (h: { dispose(): void } | undefined) => {
      try {
        h?.dispose();
      } catch {
        broken = true;
      }
    };
    for (const d of pending) free(d);
    pending.clear();
    free(main);
    free(encode);
    free(ctx);
    free(rt);
    settle({ ...o, logsDropped, ...(broken ? { broken: true } : {}) } as EngineOutcome);
  };
  const fail = (failure: ScriptFailure) => finish({ ok: false, failure });

  const callFn = ctx.newFunction('call', (slugH, argsH) => {
    const d = ctx.newPromise();
    pending.add(d);
    host.call(ctx.getString(slugH), ctx.getString(argsH)).then((json) => {
      if (finished) return;
      const s = ctx.newString(json);
      d.resolve(s);
      s.dispose();
      pending.delete(d);
      d.dispose();
      pump();
    });
    return d.handle;
  });
  const logFn = ctx.newFunction('log', (levelH, lineH) => {
    const line = ctx.getString(lineH);
    if (logChars >= limits.maxLogChars) {
      logsDropped++;
      return;
    }
    const kept = line.length > limits.maxLogLineChars ? `${line.slice(0, limits.maxLogLineChars)}…[cut]` : line;
    logChars += kept.length;
    host.log(ctx.getString(levelH), kept);
  });

  /**
   * Out of memory while raising "out of memory" leaves no error object: the heap's size tells, or the
   * engine's memory being at its cap (what the heap does not count fills it first). Failing to measure is itself a sign.
   */
  const nearMemoryLimit = () => {
    if (qjs.getWasmMemory().buffer.byteLength > SCRIPT_LIMITS.engineMemoryBytes * 0.9) return true;
    // The text dump allocates nothing inside the runtime, which may be full.
    const used = /memory used\s+\d+\s+(\d+)/.exec(rt.dumpMemoryUsage())?.[1];
    return used === undefined || Number(used) > limits.memoryBytes * 0.9;
  };

  let outOfMemory = false;
  const probeFn = ctx.newFunction('probe', () => {
    outOfMemory ||= nearMemoryLimit();
  });

  // An answer arrives from the host's event loop: whatever the engine throws there ends the run, said
  // as the script's failure, never as an uncaught error that takes the thread down.
  const pump = () => {
    try {
      step();
    } catch (err) {
      fail(hostFailure(err));
    }
  };
  const step = () => {
    if (finished || !main) return;
    for (;;) {
      const jobs = rt.executePendingJobs();
      if (jobs.error) {
        const failure = failureOf(ctx, jobs.error, deadline, outOfMemory);
        jobs.error.dispose();
        return fail(failure);
      }
      if (jobs.value === 0) break;
    }
    const state = ctx.getPromiseState(main);
    if (state.type === 'pending') {
      if (!pending.size) fail({ name: 'Error', message: 'The script is waiting for a promise that nothing will settle (only tools.call and tools.all answer later).' });
      return;
    }
    if (state.type === 'rejected') {
      const failure = failureOf(ctx, state.error, deadline, outOfMemory);
      state.error.dispose();
      return fail(failure);
    }
    const value = state.value;
    const encoded = ctx.callFunction(encode!, ctx.undefined, value);
    if (!state.notAPromise) value.dispose();
    if (encoded.error) {
      const failure = failureOf(ctx, encoded.error, deadline, outOfMemory);
      encoded.error.dispose();
      return fail({ ...failure, message: `The script's return value is not JSON: ${failure.message}` });
    }
    const answerJson = ctx.getString(encoded.value);
    encoded.value.dispose();
    if (Buffer.byteLength(answerJson) > limits.maxAnswerBytes) return fail({ name: 'LimitError', message: 'The return value is too large.', limit: 'answer_size' });
    finish({ ok: true, answerJson });
  };

  try {
    const prelude = ctx.evalCode(PRELUDE, 'prelude.js');
    const install = ctx.unwrapResult(prelude);
    const made = ctx.callFunction(install, ctx.undefined, callFn, logFn, probeFn);
    install.dispose();
    callFn.dispose();
    logFn.dispose();
    probeFn.dispose();
    encode = ctx.unwrapResult(made);
    const started = ctx.evalCode(wrapScript(script), 'script.js');
    if (started.error) {
      const failure = inScriptTerms(failureOf(ctx, started.error, deadline, outOfMemory), script);
      started.error.dispose();
      fail(failure);
    } else {
      main = started.value;
      pump();
    }
  } catch (err) {
    fail(hostFailure(err));
  }
  return done;
}

/** An engine error as the report shows it, with the limit it stands for when it is one. */
function failureOf(ctx: QuickJSContext, handle: QuickJSHandle, deadline: number, outOfMemory: boolean): ScriptFailure {
  const early = Date.now() <= deadline;
  // Reading the error runs the script's code (a getter of its message) under the same deadline.
  let raw: unknown;
  try {
    raw = ctx.dump(handle);
  } catch (err) {
    return hostFailure(err);
  }
  if (early && Date.now() > deadline) return { name: 'InternalError', message: 'interrupted', limit: 'wall_time' };
  if ((raw === null || raw === undefined) && outOfMemory) return { name: 'InternalError', message: 'out of memory', limit: 'memory' };
  const e = raw && typeof raw === 'object' ? (raw as { name?: unknown; message?: unknown; stack?: unknown }) : { name: 'Error', message: typeof raw === 'string' ? raw : textOf(raw) };
  const name = cutText(typeof e.name === 'string' ? e.name : 'Error', 100, '…');
  const message = shortMessage(typeof e.message === 'string' ? e.message : textOf(e.message ?? raw));
  const at = typeof e.stack === 'string' ? scriptPlace(/script\.js:(\d+):(\d+)/.exec(e.stack)) : undefined;
  const limit = limitOf(name, message, deadline);
  return { name, message, ...(at ? { at } : {}), ...(limit ? { limit } : {}) };
}

/** Any thrown value as text (a BigInt, a symbol: what JSON cannot write is written as String does). */
function textOf(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A message of any size cut to SCRIPT_LIMITS.maxErrorChars, saying how much was cut. */
function shortMessage(message: string): string {
  const max = SCRIPT_LIMITS.maxErrorChars;
  return message.length <= max ? message : `${cutText(message, max)}… (${message.length - max} characters cut)`;
}

/**
 * What the host itself threw while running the engine: the host's own stack overflowing under the
 * engine's (source nested past what its parser recurses through) is the script's stack limit.
 */
function hostFailure(err: unknown): ScriptFailure {
  const message = shortMessage((err as Error)?.message ?? String(err));
  if (err instanceof RangeError && /call stack/i.test(message)) return { name: 'InternalError', message: 'stack overflow', limit: 'stack_depth' };
  return { name: 'Error', message: `The sandbox could not run the script: ${message}` };
}

function limitOf(name: string, message: string, deadline: number): LimitName | undefined {
  if (name !== 'InternalError' && name !== 'RangeError') return undefined;
  if (message === 'interrupted' && Date.now() > deadline) return 'wall_time';
  if (message === 'out of memory' || message === 'string too long') return 'memory';
  if (message === 'stack overflow' || /call stack/i.test(message)) return 'stack_depth';
  return undefined;
}

/**
 * A syntax error the wrapper's code takes the blame for (prelude.ts: the script runs inside a `try`),
 * said about the script: an unclosed bracket runs into the wrapper's `catch` past the script's last line;
 * one `}` too many closes the wrapper's `try`, which then lacks its `catch`. A script with a `try` of its
 * own keeps the engine's words.
 */
function inScriptTerms(f: ScriptFailure, script: string): ScriptFailure {
  if (f.name !== 'SyntaxError') return f;
  const lines = script.split('\n');
  const line = Number(/:(\d+):\d+$/.exec(f.at ?? '')?.[1] ?? 0);
  // "expecting catch or finally": the wrapper's try was closed early, whichever line the engine names.
  if (/expecting/.test(f.message) && /catch|finally/.test(f.message) && !/\btry\b/.test(script)) return { ...f, message: 'a "}" closes more than the script opened (the last one before this place, or one before it)' };
  if (line > lines.length) return { ...f, message: 'the script ends before a block, call or list it opened is closed: a "{", "(" or "[" lacks its closing bracket', at: `script.js:${lines.length}:${lines.at(-1)!.length + 1}` };
  return f;
}

/** "script.js:LINE:COLUMN" as the person wrote the script: its first line shares the wrapper's, whose opening is counted out. */
function scriptPlace(m: RegExpExecArray | null): string | undefined {
  if (!m) return undefined;
  const line = Number(m[1]);
  const column = Number(m[2]) - (line === 1 ? SCRIPT_OPENING.length : 0);
  return `script.js:${line}:${Math.max(1, column)}`;
}
