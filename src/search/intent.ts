import type { ToolDefinition } from '../registry/types.js';
import type { Verb } from './vocabulary.js';

/**
 * Which operation a tool performs, read from its slug, and how well each requested operation fits it.
 * Public API slugs start with their operation (LIST_, GET_, CREATE_ ...); tracking tools all send.
 */

export type Fit = Partial<Record<Verb, number>>;

/** Slug words that are the operation, not the object (FORCE_EXECUTE, BATCH_QUERY). */
const LEADING: Record<string, Fit> = {
  LIST: { list: 1, get: 0.8 },
  GET: { get: 1, list: 0.8 },
  CREATE: { create: 1, add: 0.85, run: 0.4, send: 0.3 },
  ADD: { add: 1, create: 0.85, update: 0.5, send: 0.6 },
  UPDATE: { update: 1, replace: 0.75, add: 0.5, remove: 0.35, create: 0.3 },
  REPLACE: { replace: 1, update: 0.8, add: 0.4, remove: 0.4 },
  DELETE: { delete: 1, remove: 0.9, cancel: 0.4 },
  REMOVE: { remove: 1, delete: 0.9, cancel: 0.4 },
  CANCEL: { cancel: 1, remove: 0.5, delete: 0.5, update: 0.4 },
  RESTORE: { restore: 1, update: 0.6 },
  FORCE: { run: 1, create: 0.5 },
  PREVIEW: { preview: 1, run: 0.5, get: 0.5 },
  BATCH: { get: 1, list: 1 },
  ECHO: { preview: 0.9, get: 0.8, run: 0.6 },
};

/** Second operation words that belong to the leading one (FORCE_EXECUTE_..., BATCH_QUERY_...). */
const FOLLOWERS = new Set(['EXECUTE', 'QUERY']);

/** CREATE_ of these objects starts work rather than making a thing: "run", "trigger", "export". */
const RUN_OBJECTS = /(^|_)(SYNC|TRIGGER|DOWNLOAD|DEPLOYMENT|MANUAL)(_|$)/;
/** GET_ of these objects returns a collection: "list" fits as well as "get". */
const COLLECTION_GET = /(CATALOG|METRICS|USAGE|VOLUME)/;

const SEND: Fit = { send: 1, add: 0.3, update: 0.4, create: 0.2 };
/** Tracking calls whose everyday verb is not "send": group adds a user to an account, alias links ids. */
const SEND_AS: Record<string, Fit> = {
  SEGMENT_GROUP: { ...SEND, add: 0.9 },
  SEGMENT_ALIAS: { ...SEND, add: 0.9 },
  SEGMENT_IDENTIFY: { ...SEND, update: 0.8 },
};

export interface ToolOperation {
  fit: Fit;
  /** Slug words after the operation: the object and its context (SOURCES, FROM, TRACKING, PLAN). */
  rest: string[];
}

export function operationOf(tool: ToolDefinition): ToolOperation {
  const parts = tool.slug.replace(/^SEGMENT_/, '').split('_');
  if (tool.api === 'tracking') return { fit: SEND_AS[tool.slug] ?? SEND, rest: parts };
  const lead = parts[0] ?? '';
  const base = LEADING[lead];
  if (!base) return { fit: { get: 0.7, list: 0.7 }, rest: parts };
  let rest = parts.slice(1);
  if (rest[0] && FOLLOWERS.has(rest[0])) rest = rest.slice(1);
  const tail = rest.join('_');
  let fit: Fit = base;
  if (lead === 'CREATE' && RUN_OBJECTS.test(tail)) fit = { ...base, run: 1, preview: 0.3 };
  if (lead === 'CREATE' && /VALIDATION/.test(tail)) fit = { ...base, preview: 0.9 };
  if (lead === 'CREATE' && /PREVIEW/.test(tail)) fit = { ...base, preview: 1 };
  // Creating a regulation is how data gets deleted or suppressed.
  if (lead === 'CREATE' && /REGULATION/.test(tail)) fit = { ...base, delete: 0.9, remove: 0.8 };
  if (lead === 'GET' && COLLECTION_GET.test(tail)) fit = { get: 0.9, list: 1 };
  return { fit, rest: lead === 'ECHO' ? parts : rest };
}

/**
 * How well the request's operations fit the tool's, from 0 (nothing in common) to 1.
 * `undefined` when the request names no operation.
 */
export function verbFit(requested: Map<Verb, number>, fit: Fit): number | undefined {
  if (requested.size === 0) return undefined;
  let best = 0;
  for (const [verb, w] of requested) best = Math.max(best, w * (fit[verb] ?? 0));
  return best;
}
