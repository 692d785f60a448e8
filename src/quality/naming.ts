import type { Findings } from './findings.js';
import type { NamingStyle } from './types.js';

/**
 * Segment's naming conventions: events "Object Action" in Title Case ("Order Completed"), property
 * and trait keys snake_case (or camelCase, when a team chose that). Each finding carries the fix.
 * Verdicts are memoised per name: a batch repeats the same few event names and keys many times.
 */

/** Short words Segment's own specs leave in lower case inside a name ("Product Added to Wishlist"). */
const MINOR = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'via', 'with']);

/** Traits Segment reserves with their own spelling (its identify and group specs): never renamed. */
const RESERVED_KEYS = new Set(['createdAt', 'firstName', 'lastName', 'postalCode']);

const MEMO_LIMIT = 2_000;
const eventMemo = new Map<string, { fix?: string; why: string } | null>();
const keyMemo = { snake: new Map<string, string | null>(), camel: new Map<string, string | null>() };

/** The memoised verdict for `key`, or `MISS`: looked up before any work, so a hit allocates nothing. */
const MISS = Symbol('miss');
function recall<V>(map: Map<string, V>, key: string): V | typeof MISS {
  const hit = map.get(key);
  return hit !== undefined || map.has(key) ? (hit as V) : MISS;
}

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= MEMO_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

/** The words of a name written any way: `orderCompleted`, `order_completed`, `ORDER-COMPLETED`, `HTTPStatus`. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

const isAcronym = (w: string) => w.length <= 4 && /^[A-Z0-9]+$/.test(w) && /[A-Z]/.test(w);
/** A brand written with an inner capital (iOS, eBay) is kept as written. */
const isBrand = (w: string) => /^[a-z]+[A-Z][A-Za-z0-9]*$/.test(w);

function titleWord(w: string, first: boolean, shouting: boolean): string {
  if ((!shouting && isAcronym(w)) || isBrand(w)) return w;
  const lower = w.toLowerCase();
  if (!first && MINOR.has(lower)) return lower;
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

function wordOk(w: string, first: boolean): boolean {
  // Upper case all through is an acronym when short (API, SKU), shouting when long (COMPLETED).
  if (/^[A-Z0-9]+$/.test(w)) return w.length <= 4;
  if (/^[A-Z0-9]/.test(w) || isBrand(w)) return true;
  return !first && MINOR.has(w);
}

/** Why an event name breaks "Object Action" Title Case, with the fix; null when it is fine. */
export function eventNameProblem(name: string): { fix?: string; why: string } | null {
  const known = recall(eventMemo, name);
  return known !== MISS ? known : remember(eventMemo, name, eventNameVerdict(name));
}

function eventNameVerdict(name: string): { fix?: string; why: string } | null {
  const parts = name.split(' ');
  const shouting = !/[a-z]/.test(name);
  const wellFormed = !shouting && parts.length >= 2 && parts.every((w, i) => w !== '' && /^[A-Za-z0-9&'/]+$/.test(w) && wordOk(w, i === 0));
  if (wellFormed) return null;
  const ws = words(name);
  const fix = ws.map((w, i) => titleWord(w, i === 0, shouting)).join(' ');
  if (ws.length < 2) {
    return { why: 'names one thing: name the object and what happened to it, e.g. "Order Completed"' };
  }
  return { why: 'is not "Object Action" in Title Case', fix };
}

/**
 * Every rewrite of a name this check can suggest (as an event name, as a snake_case or camelCase key),
 * other than the name itself: the redactor masks them for names that are secrets.
 */
export function nameRewrites(name: string): string[] {
  const out = new Set([eventNameVerdict(name)?.fix, keyVerdict(name, 'snake'), keyVerdict(name, 'camel')]);
  return [...out].filter((f): f is string => !!f && f !== name);
}

function keyProblem(key: string, style: 'snake' | 'camel'): string | null {
  const known = recall(keyMemo[style], key);
  return known !== MISS ? known : remember(keyMemo[style], key, keyVerdict(key, style));
}

function keyVerdict(key: string, style: 'snake' | 'camel'): string | null {
  if (RESERVED_KEYS.has(key)) return null;
  if (style === 'snake') {
    if (/^[a-z0-9]+(_[a-z0-9]+)*$/.test(key)) return null;
    return words(key).map((w) => w.toLowerCase()).join('_') || null;
  }
  if (/^[a-z][a-zA-Z0-9]*$/.test(key)) return null;
  const ws = words(key).map((w) => w.toLowerCase());
  return ws.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('') || null;
}

const MAX_DEPTH = 6;
const MAX_KEYS = 500;

/** Keys of properties or traits (nested objects and arrays of objects too) that break the style. */
export function checkKeys(value: unknown, path: string, style: NamingStyle, index: number, out: Findings): void {
  if (style === 'off') return;
  if (value !== null && typeof value === 'object') walkKeys(style, index, out, value, path, 0, 0);
}

/**
 * Answers how many keys have been read, `seen` included: the walk stops at MAX_KEYS. The count goes down
 * and back as an argument, not in an object made for each message: every message of a batch is walked.
 * Paths are built only for a finding or a nested object: most keys are fine and hold plain values.
 */
function walkKeys(style: 'snake' | 'camel', index: number, out: Findings, v: unknown, at: string, depth: number, seen: number): number {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object' && depth < MAX_DEPTH) seen = walkKeys(style, index, out, v[i], `${at}.${i}`, depth + 1, seen);
    return seen;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (++seen > MAX_KEYS) return seen;
    const fix = keyProblem(k, style);
    if (fix && fix !== k && out.wants('naming', 'warning')) {
      out.push({ index, severity: 'warning', kind: 'naming', field: `${at}.${k}`, message: `key "${k}" is not ${style === 'snake' ? 'snake_case' : 'camelCase'}`, fix });
    }
    const child = o[k];
    if (child !== null && typeof child === 'object' && depth < MAX_DEPTH) seen = walkKeys(style, index, out, child, `${at}.${k}`, depth + 1, seen);
  }
  return seen;
}

/** Every naming finding for one message. */
export function checkNaming(type: string, message: Record<string, unknown>, style: NamingStyle, index: number, out: Findings): void {
  if (style === 'off') return;
  if (type === 'track' && typeof message.event === 'string') {
    const problem = eventNameProblem(message.event);
    if (problem && out.wants('naming', 'warning')) out.push({ index, severity: 'warning', kind: 'naming', field: 'event', message: `event name "${message.event}" ${problem.why}`, ...(problem.fix ? { fix: problem.fix } : {}) });
  }
  if (message.properties) checkKeys(message.properties, 'properties', style, index, out);
  if (message.traits) checkKeys(message.traits, 'traits', style, index, out);
}
