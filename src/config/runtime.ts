import { homedir } from 'node:os';
import { join } from 'node:path';

export type Region = 'us' | 'eu';
export type WritePolicy = 'deny' | 'ask' | 'allow';
/**
 * Who reads the answers: an agent over MCP with the meta tools, an agent in direct mode (each tool its
 * own MCP tool; no SEARCH_TOOLS, MANAGE_CONNECTIONS or dry run), or a person at the command line.
 * Hints are worded for them (hints/hints.ts).
 */
export type Surface = 'mcp' | 'direct' | 'cli';

/** Segment's hosts per region (docs/segment-facts.md). */
export const HOSTS: Record<Region, { tracking: string; publicApi: string }> = {
  us: { tracking: 'https://api.segment.io', publicApi: 'https://api.segmentapis.com' },
  eu: { tracking: 'https://events.eu1.segmentapis.com', publicApi: 'https://eu1.api.segmentapis.com' },
};

const SEGMENT_ORIGINS = new Set(Object.values(HOSTS).flatMap((h) => [new URL(h.tracking).origin, new URL(h.publicApi).origin]));

/**
 * Where a request goes, for a person asked to confirm it: "Segment", or the host that stands in for it
 * (a sandbox, a proxy: SEGMENT_TRACKING_API_URL / SEGMENT_PUBLIC_API_URL), said as not Segment.
 */
export function destinationOf(url: string | undefined): string {
  if (!url) return 'Segment';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Segment';
  }
  // `api.segment.io.` (the root's dot written out) is the same host: the dot is not part of the name.
  if (parsed.hostname.endsWith('.')) parsed.hostname = parsed.hostname.slice(0, -1);
  return SEGMENT_ORIGINS.has(parsed.origin) ? 'Segment' : `${parsed.origin} (not Segment)`;
}

export interface RetrySettings {
  /** Retries after the first attempt (the official library uses 10). */
  maxRetries: number;
  /** First backoff step; doubles each retry, jittered, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Bounds for a server-chosen wait (Retry-After, msBeforeNext). */
  minRetryAfterMs: number;
  maxRetryAfterMs: number;
  /**
   * A call over MCP (not run as a task) stops retrying in time to answer within this: client SDKs give a
   * call 60 s by default, and a client that timed out and repeats a call still running would send it twice.
   */
  answerWithinMs: number;
}

/** The audit log of write attempts (src/audit/): JSON lines under the config home, rotated by size. */
export interface AuditSettings {
  /** Directory of `audit.jsonl` and its rotations. */
  dir: string;
  /** Also record each write's arguments (redacted). Off by default: payloads hold personal data. */
  payloads: boolean;
  /** Rotate when the file would grow past this many bytes. */
  maxBytes: number;
  /** Rotated files kept (audit.jsonl.1 ... .keep). */
  keep: number;
}

/** Size limits of one EXECUTE_TOOL call (src/execution/limits.ts reads them). */
export interface CallLimits {
  /** Arguments larger than this (as JSON) are refused before validation. */
  maxArgumentsBytes: number;
  /** Answers larger than this (as JSON) are cut, with a `truncated` marker saying how to get the rest. */
  maxAnswerBytes: number;
}

export const DEFAULT_LIMITS: CallLimits = { maxArgumentsBytes: 5_000_000, maxAnswerBytes: 100_000 };

/** Everything an operator sets at start-up. Agents can change none of it. */
export interface RuntimeConfig {
  region: Region;
  /** Host overrides, for operators and tests (`SEGMENT_TRACKING_API_URL`, `SEGMENT_PUBLIC_API_URL`). */
  trackingApiUrl?: string;
  publicApiUrl?: string;
  write: WritePolicy;
  allowDestructive: boolean;
  requestTimeoutMs: number;
  retry: RetrySettings;
  /** Where credentials, keys and the audit log live. */
  home: string;
  logLevel: LogLevel;
  audit: AuditSettings;
  limits: CallLimits;
  /** Who reads the answers: an agent over MCP (absent) or a person at the command line; hints are worded for them. */
  surface?: Surface;
  /** Direct mode's tool names: full (integration__segment__<slug>, absent) or short (at most 64 characters). */
  toolNames?: ToolNames;
  /** Data-quality checks on tracking calls (src/quality): --validate and --naming. */
  quality: QualitySettings;
}

/** warn: send and report; block: do not send messages with errors; off: no checks while sending. */
export type QualityMode = 'warn' | 'block' | 'off';

/** How property and trait keys are written; off skips every naming check. */
export type NamingStyle = 'snake' | 'camel' | 'off';

/** The data-quality checks on tracking calls (src/quality/): --validate, --naming. */
export interface QualitySettings {
  mode: QualityMode;
  naming: NamingStyle;
  /** How long a loaded tracking plan is used before it is fetched again (default 5 minutes). */
  planTtlMs?: number;
}

export type ToolNames = 'full' | 'short';

export function parseToolNames(value: string | undefined): ToolNames {
  const v = (value ?? 'full').trim().toLowerCase();
  if (v === 'full' || v === 'short') return v;
  throw new ConfigError(`--tool-names must be full or short, got "${value}".`);
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const DEFAULT_RETRY: RetrySettings = {
  maxRetries: 10,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  minRetryAfterMs: 1_000,
  maxRetryAfterMs: 300_000,
  answerWithinMs: 45_000,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseRegion(value: string | undefined, from: string): Region {
  const v = (value ?? 'us').trim().toLowerCase();
  if (v === 'us' || v === 'eu') return v;
  throw new ConfigError(`${from} must be "us" or "eu", got "${value}".`);
}

export function parseWritePolicy(value: string | undefined): WritePolicy {
  const v = (value ?? 'deny').trim().toLowerCase();
  if (v === 'deny' || v === 'ask' || v === 'allow') return v;
  throw new ConfigError(`--write must be deny, ask or allow, got "${value}".`);
}

/** The config home: $SEGMENT_ROUTER_HOME, else $XDG_CONFIG_HOME/segment-router, else ~/.config/segment-router. */
export function configHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEGMENT_ROUTER_HOME) return env.SEGMENT_ROUTER_HOME;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'segment-router');
  return join(homedir(), '.config', 'segment-router');
}

/**
 * A whole number from the environment. `min` 1 where 0 would make every call fail at once (a timeout,
 * a size limit); 0 is kept where it means none (no retries, no caching).
 */
function positiveInt(value: string | undefined, name: string, fallback: number, min: 0 | 1 = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number >= ${min}, got "${value}".`);
  return n;
}

/**
 * A URL as it may be shown: everything between the scheme and the last @ is masked, however the
 * credentials are spelt (`https:u:p@h`, `https://u:p#q/r@h`, a password holding @).
 */
const shownUrl = (value: string) => value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:)?[^]*@/, (_all, scheme: string | undefined) => `${scheme ?? ''}****@`);

function validUrl(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  let u: URL;
  try {
    u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${shownUrl(value)}".`);
  }
  // Never sent (the router authenticates with its own key or token), but shown in a dry run's URL.
  if (u.username || u.password) throw new ConfigError(`${name} must not carry credentials (user:password@): remove them; the router sends the write key or token itself. Got "${shownUrl(value)}".`);
  return value.replace(/\/+$/, '');
}

export function parseValidateMode(value: string | undefined, from = '--validate'): QualityMode {
  const v = (value ?? 'warn').trim().toLowerCase();
  if (v === 'warn' || v === 'block' || v === 'off') return v;
  throw new ConfigError(`${from} must be warn, block or off, got "${value}".`);
}

export function parseNamingStyle(value: string | undefined, from = '--naming'): NamingStyle {
  const v = (value ?? 'snake').trim().toLowerCase();
  if (v === 'snake' || v === 'camel' || v === 'off') return v;
  throw new ConfigError(`${from} must be snake, camel or off, got "${value}".`);
}

export interface RuntimeFlags {
  write?: string;
  allowDestructive?: boolean;
  region?: string;
  logLevel?: string;
  /** `--audit-payloads`: record write arguments in the audit log. */
  auditPayloads?: boolean;
  /** The CLI's one-shot commands set "cli"; servers speak to agents. */
  surface?: Surface;
  /** `--validate`: warn (default), block or off. */
  validate?: string;
  /** `--naming`: the key style checked, snake (default), camel or off. */
  naming?: string;
  /** `--tool-names`: full (default) or short. */
  toolNames?: string;
}

/** Reads the operator's settings from flags and environment, and refuses bad ones with a clear message. */
export function loadRuntimeConfig(flags: RuntimeFlags = {}, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const logLevel = (flags.logLevel ?? env.SEGMENT_ROUTER_LOG_LEVEL ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`log level must be debug, info, warn, error or silent, got "${logLevel}".`);
  }
  const home = configHome(env);
  return {
    region: parseRegion(flags.region ?? env.SEGMENT_REGION, flags.region ? '--region' : 'SEGMENT_REGION'),
    trackingApiUrl: validUrl(env.SEGMENT_TRACKING_API_URL, 'SEGMENT_TRACKING_API_URL'),
    publicApiUrl: validUrl(env.SEGMENT_PUBLIC_API_URL, 'SEGMENT_PUBLIC_API_URL'),
    // Only flags open the write policy: an inherited environment variable must never enable writes.
    write: parseWritePolicy(flags.write),
    allowDestructive: flags.allowDestructive ?? false,
    requestTimeoutMs: positiveInt(env.SEGMENT_ROUTER_TIMEOUT_MS, 'SEGMENT_ROUTER_TIMEOUT_MS', 15_000, 1),
    retry: {
      ...DEFAULT_RETRY,
      maxRetries: positiveInt(env.SEGMENT_ROUTER_MAX_RETRIES, 'SEGMENT_ROUTER_MAX_RETRIES', DEFAULT_RETRY.maxRetries),
      baseDelayMs: positiveInt(env.SEGMENT_ROUTER_RETRY_BASE_MS, 'SEGMENT_ROUTER_RETRY_BASE_MS', DEFAULT_RETRY.baseDelayMs),
      minRetryAfterMs: positiveInt(env.SEGMENT_ROUTER_MIN_RETRY_AFTER_MS, 'SEGMENT_ROUTER_MIN_RETRY_AFTER_MS', DEFAULT_RETRY.minRetryAfterMs),
      answerWithinMs: positiveInt(env.SEGMENT_ROUTER_ANSWER_WITHIN_MS, 'SEGMENT_ROUTER_ANSWER_WITHIN_MS', DEFAULT_RETRY.answerWithinMs, 1),
    },
    home,
    logLevel: logLevel as LogLevel,
    audit: {
      dir: join(home, 'audit'),
      payloads: flags.auditPayloads ?? env.SEGMENT_ROUTER_AUDIT_PAYLOADS === '1',
      maxBytes: positiveInt(env.SEGMENT_ROUTER_AUDIT_MAX_BYTES, 'SEGMENT_ROUTER_AUDIT_MAX_BYTES', 5_000_000, 1),
      keep: positiveInt(env.SEGMENT_ROUTER_AUDIT_KEEP, 'SEGMENT_ROUTER_AUDIT_KEEP', 3),
    },
    limits: {
      maxArgumentsBytes: positiveInt(env.SEGMENT_ROUTER_MAX_ARGUMENTS_BYTES, 'SEGMENT_ROUTER_MAX_ARGUMENTS_BYTES', DEFAULT_LIMITS.maxArgumentsBytes, 1),
      maxAnswerBytes: positiveInt(env.SEGMENT_ROUTER_MAX_ANSWER_BYTES, 'SEGMENT_ROUTER_MAX_ANSWER_BYTES', DEFAULT_LIMITS.maxAnswerBytes, 1),
    },
    ...(flags.surface && flags.surface !== 'mcp' ? { surface: flags.surface } : {}),
    quality: {
      mode: parseValidateMode(flags.validate ?? env.SEGMENT_ROUTER_VALIDATE, flags.validate ? '--validate' : 'SEGMENT_ROUTER_VALIDATE'),
      naming: parseNamingStyle(flags.naming ?? env.SEGMENT_ROUTER_NAMING, flags.naming ? '--naming' : 'SEGMENT_ROUTER_NAMING'),
      planTtlMs: positiveInt(env.SEGMENT_ROUTER_PLAN_TTL_MS, 'SEGMENT_ROUTER_PLAN_TTL_MS', 5 * 60_000),
    },
    ...(parseToolNames(flags.toolNames) === 'short' ? { toolNames: 'short' as const } : {}),
  };
}

/** The base URL for an API under this config and region. */
export function baseUrl(config: RuntimeConfig, api: 'tracking' | 'public', region: Region = config.region): string {
  if (api === 'tracking') return config.trackingApiUrl ?? HOSTS[region].tracking;
  return config.publicApiUrl ?? HOSTS[region].publicApi;
}
