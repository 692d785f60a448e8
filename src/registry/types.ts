import type { AnswerReceipts } from '../util/answer-receipts.js';
import type { z } from 'zod';
import type { HttpClient } from '../http/client.js';
import type { Region, RuntimeConfig } from '../config/runtime.js';
import type { Logger } from '../util/log.js';
import type { TrackingQuality } from '../quality/checker.js';

/** What a tool does to Segment. The one field that annotations, the write policy and search all read. */
export type Access = 'read' | 'write' | 'destructive';

/** Which Segment API a tool talks to; it also names the credential it needs. */
export type Api = 'tracking' | 'public';

/** The capability a tool needs from the connection: a write key, or a Public API token. */
export type Capability = 'tracking' | 'public_api';

/** Overall state of a Segment connection, as agents are taught to read it. */
export type ConnectionState = 'ACTIVE' | 'REQUIRES_PARAMETERS' | 'FAILED' | 'EXPIRED' | 'INITIATED';

/** State of one capability. UNVERIFIED: present but not (or not yet) checkable from here. */
export type CapabilityState = 'ACTIVE' | 'UNVERIFIED' | 'REQUIRES_PARAMETERS' | 'FAILED' | 'EXPIRED';

export interface CapabilityStatus {
  state: CapabilityState;
  detail: string;
  /** What must be provided, when state is REQUIRES_PARAMETERS ("writeKey", "token"). */
  missing?: string[];
  /** The source a verified write key belongs to. */
  source_name?: string;
  /** When this capability was last checked against Segment. */
  last_verified_at?: string;
}

export const capabilityOf = (api: Api): Capability => (api === 'tracking' ? 'tracking' : 'public_api');

export type JsonSchema = Record<string, unknown>;

/** The credentials a call may use; either may be absent. Never logged, never returned. */
export interface Credentials {
  writeKey?: string;
  token?: string;
  /** The connection's region; it picks the Segment hosts. Defaults to the operator's SEGMENT_REGION. */
  region?: Region;
}

/** One HTTP request exactly as it would go on the wire (headers unmasked; mask before showing). */
export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * A call turned into requests, before anything is sent. `dry_run` shows it; `send` executes it.
 * `state` is the tool's own data carried from prepare to send (e.g. the batch split).
 */
export interface PreparedCall {
  requests: HttpRequestSpec[];
  /** Facts about the call worth showing in a dry run (e.g. messages rejected before sending). */
  notes?: Record<string, unknown>;
  /** What a dry run warns of, as the call itself would (read after `notes`). */
  warnings?: string[];
  state?: unknown;
}

export interface PrepareContext {
  config: RuntimeConfig;
  credentials: Credentials;
  /** Data-quality checks for tracking messages (tracking plan, naming, PII); absent means none. */
  quality?: TrackingQuality;
}

/** Reports progress; awaited, so every notification is out before the call's answer. */
export interface Progress {
  (progress: number, total: number, message: string): void | Promise<void>;
}

export interface SendContext extends PrepareContext {
  http: HttpClient;
  log: Logger;
  /** Masks known secrets; apply it to upstream text before cutting it to a snippet. */
  redact?: (text: string) => string;
  progress?: Progress;
  /** Aborts the call now, requests on their way included (their outcome stays unknown). */
  signal?: AbortSignal;
  /**
   * Stops the call without losing track of it: no new request and no further retry after it, but the
   * requests already sent are answered (each within the request timeout), so the answer says what
   * Segment took. A cancelled task, `call` stopped by Ctrl-C.
   */
  stop?: AbortSignal;
  /** Epoch ms by which the call must answer (an MCP call not run as a task): retries stop in time. */
  deadline?: number;
  /**
   * Where the call stands among calls made together (EXECUTE_TOOL's tools[i], a script's n-th call): two
   * identical calls made together are two calls, not one and its repeat (the delivery journal's key).
   */
  slot?: string;
  /** Where a tracking call closes its journal run once the caller has the answer (util/answer-receipts.ts). */
  receipts?: AnswerReceipts;
}

/**
 * A call that reached Segment (or gave up) and what came back.
 * `ok: false` with `error` is an upstream failure; thrown errors are bugs.
 */
export interface SendOutcome {
  ok: boolean;
  data?: unknown;
  error?: ToolError;
  /** Upstream HTTP status of the last response, for the audit log. */
  status?: number;
  /** Message ids sent (tracking), for the audit log. */
  messageIds?: string[];
  /** sha256 (hex) of `messageIds` joined by newlines, when the sender hashed them as it sent them. */
  messageIdsSha256?: string;
  /** Sent, but maybe not as meant: said in the answer's `warnings`. */
  warnings?: string[];
  /** Not ok, but a request went out and no answer came (the network failed, the call was cancelled): Segment may have applied it. */
  maybeSent?: boolean;
  /** Not ok (the answer cannot be passed on), but Segment accepted the request (2xx): the change was made. */
  applied?: boolean;
}

export interface ToolError {
  /** Stable machine-readable kind: validation, policy, not_connected, upstream, network, not_found... */
  kind: string;
  message: string;
  /** What the caller should do next. */
  hint?: string;
  status?: number;
  details?: unknown;
}

/**
 * One Segment tool. Its registry entry is the single source of truth: search indexes these fields,
 * EXECUTE_TOOL resolves and validates against them, the policy reads `access`, the CLI lists them,
 * direct mode registers them, SKILL.md is tested against them.
 */
export interface ToolDefinition {
  slug: string;
  title: string;
  /** The project's own words: what the tool does and when to reach for it. */
  description: string;
  api: Api;
  /** Grouping for scoping (`--toolsets`): `tracking`, `sources`, `destinations`, ... */
  toolset: string;
  access: Access;
  /** `optional`: the tool also works without credentials (it checks locally), so readiness is not required. */
  connection?: 'optional';
  tags: string[];
  /** Plain-language requests this tool answers; search reads them. */
  useCases: string[];
  /** What goes wrong in practice. */
  pitfalls: string[];
  /** Slugs usually needed together with this one (the next step, a close alternative). */
  related: string[];
  /** What the tool does, as data: search ranks on it, related tools and plans are derived from it. */
  facts: ToolFacts;
  /** Arguments of a first call, for a tool whose schema cannot suggest them (a list of messages it checks one by one). */
  example?: Record<string, unknown>;
  /** Top-level argument names, for search and `known_fields`. */
  paramNames: string[];
  /** Built on first use and cached by the registry: 200+ schemas are not built at start-up. */
  inputSchema(): z.ZodType;
  /** JSON Schema of the input, as an agent sees it. */
  inputJsonSchema(): JsonSchema;
  /** What a call does, in a phrase, for the person asked to confirm it ("send the event ..."). Optional: the request is described otherwise. */
  summarize?(args: Record<string, unknown>): string;
  /**
   * True when prepare() enforces the per-call byte limit itself while serialising (tracking batches):
   * the executor then skips its own measure, which would serialise the whole arguments a second time.
   */
  measuresOwnSize?: boolean;
  /**
   * Top-level argument fields holding a list whose elements the tool checks one by one itself (the
   * schema's element is `unknown`): the executor's schema check sees a list of the same length, so a
   * list still unparsed (util/deferred-list.ts) is read by the tool a message at a time.
   */
  listsReadByTool?: readonly string[];
  /**
   * True when the schema fills in and changes nothing (tracking calls): prepare() gets the arguments as
   * given once the schema accepts them, not the schema's copy, in which a key named "__proto__" became
   * the object's prototype and was lost.
   */
  preparesGiven?: boolean;
  /** Turns validated arguments into the exact requests. Pure: no I/O. */
  prepare(args: any, ctx: PrepareContext): PreparedCall;
  /** Sends a prepared call with retries; never throws for upstream failures. */
  send(call: PreparedCall, ctx: SendContext): Promise<SendOutcome>;
}

/**
 * A tool's operation as facts. Public API tools get them from the generator (operationId, path and
 * response, corrected in the words files); tracking tools declare them. Ids are named as the API names
 * path parameters (sourceId, userGroupId), whatever a single call calls them.
 */
export interface ToolFacts {
  /** One verb: list, get, create, update, delete, add, remove, replace, send, run... */
  operation: string;
  /** What it acts on, in plain words: "connected destinations", "identify call". */
  object: string;
  /** Where it acts when narrower than the workspace: "source" in "the destinations of a source". */
  scope?: string;
  /** Ids the call needs that only Segment hands out (another call yields them). */
  needs: string[];
  /** Ids of the things its answer is about (a list of sources: sourceId), for calls that need them. */
  yields: string[];
  /** Ids of other things its answer names (a Reverse ETL model names its source: sourceId). */
  mentions?: string[];
}

/** Another slug agents know for a tool, optionally with its own arguments rule. */
export interface ToolAlias {
  slug: string;
  target: string;
  note: string;
}

/**
 * Arguments a tool takes but the router fills in itself, asking agents to leave them out (a tracking
 * call's sentAt is the time its request goes): the compact schema agents read and the search text leave
 * them out; the full schema keeps them.
 */
export const ROUTER_SET_ARGUMENTS: ReadonlySet<string> = new Set(['sentAt']);
