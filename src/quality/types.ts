/**
 * Data quality: what the checks report. This folder depends on nothing of the router's but the
 * settings' types in config/ (and Ajv): the delivery path calls it, the Public API loader feeds it
 * rules, and neither is imported here.
 */

export type { NamingStyle, QualityMode, QualitySettings } from '../config/runtime.js';

export type FindingKind = 'tracking_plan' | 'naming' | 'pii';

/** A plan violation is an error; naming and PII are warnings (the data still means what it says). */
export type Severity = 'error' | 'warning';

export interface Finding {
  /** Position of the message in the call (0 for a single call). */
  index: number;
  severity: Severity;
  kind: FindingKind;
  /** Path into the message, e.g. properties.order_id. */
  field?: string;
  message: string;
  /** What to change, when it is obvious (`Order Completed`, `order_total`). */
  fix?: string;
  /** The tracking-plan rule that was broken, e.g. TRACK "Order Completed" v3. */
  rule?: string;
}

export type RuleType = 'TRACK' | 'IDENTIFY' | 'GROUP' | 'PAGE' | 'SCREEN' | 'COMMON';
export const RULE_TYPES: readonly RuleType[] = ['TRACK', 'IDENTIFY', 'GROUP', 'PAGE', 'SCREEN', 'COMMON'];

/** One rule of a tracking plan, as the Public API lists it. */
export interface PlanRule {
  type: RuleType;
  /** The event name for TRACK rules (and a page or screen name where a plan sets one). */
  key?: string;
  /** JSON Schema (draft-07) of the whole message: its properties, traits and context. */
  jsonSchema: unknown;
  version: number;
  deprecatedAt?: string;
}

/** A tracking plan as loaded: enough to name it in answers and to check against it. */
export interface LoadedPlan {
  id: string;
  name?: string;
  sourceId: string;
  rules: PlanRule[];
}

/**
 * What the loader found for a connection: a plan, or why there is none. `unavailable` covers no
 * token, no source for the write key, a source without a plan, and an API that did not answer.
 */
export type PlanLookup =
  | { ok: true; plan: LoadedPlan }
  | { ok: false; reason: string; /** Try again sooner: the API failed, not the setup. */ transient?: boolean; /** The source was read and has no plan: nothing to check against, nothing failed. */ noPlan?: boolean };

/** Where to look for a plan: the connection's credentials, or a source named by the caller. */
export interface PlanTarget {
  region: string;
  writeKey?: string;
  token?: string;
  sourceId?: string;
}

export type PlanLoader = (target: PlanTarget, signal?: AbortSignal) => Promise<PlanLookup>;

/** A tracking message as the delivery path holds it: a plain object with its `type`. */
export type Message = Record<string, unknown> & { type: string };

/** The plan part of an answer: which plan was applied, or why none was. */
export type PlanStatus =
  | { status: 'applied'; id: string; name?: string; source_id: string; rules: number; skipped_rules?: string[] }
  | { status: 'unavailable'; reason: string; /** The source has no tracking plan connected (the plan was not missed: there is none). */ no_plan?: true };
