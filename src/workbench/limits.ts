import type { Surface } from '../config/runtime.js';
import { countText } from '../util/count-text.js';

/**
 * The limits of one RUN_SCRIPT run, in one place. Each has a name that errors quote, so an agent
 * reads which limit stopped its script and what to change.
 */
export const SCRIPT_LIMITS = {
  /** Wall time of a run, from the first line to the answer (tool calls included). */
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 120_000,
  /** Heap of the script's JavaScript engine. */
  memoryBytes: 64 * 1024 * 1024,
  /**
   * The engine's whole WebAssembly memory: the heap above, plus what the engine starts with (its data
   * and stack, 16 MB). The heap's limit counts only what QuickJS can measure, and this build measures
   * a large string or array as a few bytes; past this cap every allocation fails, counted or not.
   */
  engineMemoryBytes: 96 * 1024 * 1024,
  engineStartBytes: 16 * 1024 * 1024,
  /**
   * The engine's own stack. It must overflow before the worker thread's native stack (4 MB), which
   * WebAssembly frames share: 256 KB is about 1,300 nested JavaScript calls and still safe.
   */
  stackBytes: 256 * 1024,
  /** Tool calls one run may make (pages followed by tools.all count one each). */
  maxToolCalls: 500,
  /** The script's return value as JSON. Over the inline limit it comes back as a resource link. */
  maxAnswerBytes: 8 * 1024 * 1024,
  /** The most a single tool answer hands to a script: scripts read whole answers, agents do not. */
  toolAnswerBytes: 8 * 1024 * 1024,
  /** Text of the script itself. */
  maxScriptChars: 100_000,
  /** console.log output kept per run; lines past it are counted, not kept. */
  maxLogChars: 20_000,
  maxLogLineChars: 2_000,
  /** An error's message as the answer carries it (a script can throw a message of any size). */
  maxErrorChars: 2_000,
  /**
   * Arguments, answers and requests the records of one run keep (its calls, planned and sent writes), in
   * memory as `parsedCost` counts it. Past it a record keeps its slug and outcome and says how much it
   * left out: 500 calls of a few MB each, kept whole, took a server to 4 GB and out of memory with four
   * scripts at once; counted as JSON characters alone, 16 MB of `[{},{},...]` still took it to 3.3 GB.
   */
  keptRecordBytes: 16 * 1024 * 1024,
  /** After the wall time, how long the engine has to stop itself before its thread is ended. */
  hardStopGraceMs: 500,
} as const;

/**
 * About what JSON text costs once parsed and kept: its characters, and 48 bytes more for each value a
 * `{`, `[` or `,` opens (an object or array is some 50 bytes of heap however small). Counted whether or
 * not the character is inside a string: an overcount, never an under.
 */
export function parsedCost(json: string): number {
  let values = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x2c || c === 0x5b || c === 0x7b) values++;
  }
  return json.length + 48 * values;
}

/** Names as they appear in errors and in `error.limit`. */
export type LimitName = 'wall_time' | 'memory' | 'stack_depth' | 'tool_calls' | 'answer_size';

export function describeLimit(limit: LimitName, timeoutMs: number): string {
  switch (limit) {
    case 'wall_time':
      return `the wall-time limit (${countText(timeoutMs)} ms)`;
    case 'memory':
      return `the memory limit (${SCRIPT_LIMITS.memoryBytes / 1024 / 1024} MB)`;
    case 'stack_depth':
      return `the stack-depth limit (about 1,300 nested calls)`;
    case 'tool_calls':
      return `the tool-call limit (${SCRIPT_LIMITS.maxToolCalls} calls per run)`;
    case 'answer_size':
      return `the answer-size limit (${(SCRIPT_LIMITS.maxAnswerBytes / 1024 / 1024).toFixed(0)} MB of JSON)`;
  }
}

/** `surface`: the option is timeout_ms over MCP, --timeout-ms on the command line. */
export function limitHint(limit: LimitName, surface: Surface = 'mcp'): string {
  switch (limit) {
    case 'wall_time':
      return `Pass a larger ${surface === 'cli' ? '--timeout-ms' : 'timeout_ms'} (at most 120000), do less per run (fewer pages, fewer ids), or split the work into several runs.`;
    case 'memory':
    case 'answer_size':
      return 'Keep less in memory and return less: filter and count inside the script, return ids or totals rather than whole objects.';
    case 'stack_depth':
      return 'Replace deep recursion with a loop.';
    case 'tool_calls':
      return 'Split the work into several runs (e.g. by source), or use tools that answer for many objects at once.';
  }
}
