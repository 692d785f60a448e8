import type { HttpRequestSpec, ToolError } from '../registry/types.js';
import type { LimitName } from './limits.js';

/** One tool call a script made, as the partial report shows it. */
export interface CallRecord {
  slug: string;
  /** Absent past the run's record limit (SCRIPT_LIMITS.keptRecordBytes): `left_out_bytes` says how much. */
  arguments?: unknown;
  successful: boolean;
  dry_run?: true;
  data?: unknown;
  error?: ToolError;
  /** The bytes of arguments and answer this record did not keep (the run's records passed their limit). */
  left_out_bytes?: number;
}

/** A write a dry run (or the planning run under --write=ask) did not send. */
export interface PlannedWrite {
  slug: string;
  arguments?: unknown;
  /** The exact requests, credentials masked. */
  requests?: HttpRequestSpec[];
  notes?: unknown;
  left_out_bytes?: number;
  /** What the write policy would do with it: "would run", "would ask the user to confirm", "would be refused: ...". */
  policy: string;
}

/** A write that was sent (or tried and refused by Segment). */
export interface SentWrite {
  slug: string;
  arguments?: unknown;
  successful: boolean;
  error?: ToolError;
  left_out_bytes?: number;
}

export interface ScriptError {
  kind: 'script' | 'limit' | 'policy' | 'usage' | 'cancelled' | 'busy' | 'internal' | 'not_connected';
  message: string;
  hint?: string;
  limit?: LimitName;
  /** Where in the script ("script.js:LINE:COLUMN"). */
  at?: string;
}

/** What RUN_SCRIPT and `segment-router run` answer. */
export interface ScriptReport {
  successful: boolean;
  /** The script's return value. */
  result?: unknown;
  error?: ScriptError;
  logs?: string[];
  logs_dropped?: number;
  dry_run?: true;
  planned_writes?: PlannedWrite[];
  writes?: SentWrite[];
  /** Under --write=ask: the one confirmation asked for the script's writes. */
  confirmation?: { writes: number; confirmed: boolean; reason?: string };
  tool_calls: { total: number; failed: number; by_slug: Record<string, number> };
  /** Only when the run failed: every call that ran, with its answer (the partial report). */
  calls?: CallRecord[];
  elapsed_ms: number;
}

export function countCalls(calls: CallRecord[]): ScriptReport['tool_calls'] {
  const by_slug: Record<string, number> = {};
  for (const c of calls) by_slug[c.slug] = (by_slug[c.slug] ?? 0) + 1;
  return { total: calls.length, failed: calls.filter((c) => !c.successful).length, by_slug };
}
