import { parentPort } from 'node:worker_threads';
import { newEngineModule, runInEngine } from './engine.js';
import type { FromEngine, ToEngine } from './protocol.js';

/**
 * An engine thread: loads QuickJS once, then runs one script at a time. A busy or runaway script
 * blocks only this thread; the server's thread keeps answering other calls.
 */
const port = parentPort!;
const post = (m: FromEngine) => port.postMessage(m);
const waiting = new Map<number, (json: string) => void>();
let nextCall = 0;

const qjs = await newEngineModule();

port.on('message', (m: ToEngine) => {
  if (m.type === 'answer') {
    const resolve = waiting.get(m.callId);
    waiting.delete(m.callId);
    resolve?.(m.json);
    return;
  }
  const { runId } = m;
  void runInEngine(qjs, m.script, m.limits, {
    call: (slug, args) =>
      new Promise<string>((resolve) => {
        const callId = ++nextCall;
        waiting.set(callId, resolve);
        post({ type: 'call', runId, callId, slug, args });
      }),
    log: (level, line) => post({ type: 'log', runId, level, line }),
  }).then((outcome) => {
    waiting.clear();
    // WebAssembly memory never shrinks: the pool ends a thread a script made grow (pool.ts).
    post({ type: 'done', runId, outcome, engineBytes: qjs.getWasmMemory().buffer.byteLength });
  });
});

post({ type: 'ready' });
