import type { LimitName } from './limits.js';

/** Messages between the server and an engine thread. Everything crosses as strings and plain data. */

export interface EngineLimits {
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
  maxAnswerBytes: number;
  maxLogChars: number;
  maxLogLineChars: number;
}

export type ToEngine =
  | { type: 'run'; runId: number; script: string; limits: EngineLimits }
  | { type: 'answer'; runId: number; callId: number; json: string };

export interface ScriptFailure {
  name: string;
  message: string;
  /** Where in the script, when the engine knows ("script.js:3:7"). */
  at?: string;
  /** Set when a limit ended the script. */
  limit?: LimitName;
}

/** `broken`: the engine could not be freed cleanly after the run (engine.ts); its thread is not used again. */
export type EngineOutcome =
  | { ok: true; answerJson: string; logsDropped: number; broken?: true }
  | { ok: false; failure: ScriptFailure; logsDropped: number; broken?: true };

export type FromEngine =
  | { type: 'ready' }
  | { type: 'call'; runId: number; callId: number; slug: string; args: string }
  | { type: 'log'; runId: number; level: string; line: string }
  | { type: 'done'; runId: number; outcome: EngineOutcome; engineBytes: number };
