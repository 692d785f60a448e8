import type { ToolError } from '../registry/types.js';
import { LossyNumber } from '../util/json-text.js';
import { deferredOf } from '../util/deferred-list.js';
import { MAX_NESTING } from '../util/json-elements.js';

/**
 * Checks every value in the arguments before anything else reads them: how deep they nest, numbers
 * JSON cannot carry, and strings that are not valid Unicode. Recursion stops at MAX_DEPTH, so no input
 * can overflow the stack here; the schema and the tools only ever see arguments that passed. This
 * runs over every value of a 25,000-message batch, so the way through allocates nothing: the path of
 * a bad value is built only when one is found, on the way back up.
 */

/** Deeper than any Segment payload needs; deep enough for nested properties and traits. */
export const MAX_DEPTH = 64;
const MAX_WARNINGS = 5;
const PATH_CHARS = 120;
/** Half of a surrogate pair with no other half: not a character, and no encoder can send it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export interface ValueCheck {
  error?: ToolError;
  /** Values sent, but maybe not as meant (integers past 2^53). */
  warnings: string[];
}

const NEXT = 'Fix the field named above and call again; nothing was sent.';

/** What is wrong with a value, and where: `path` is filled in from the bad value up to the root. */
interface Problem {
  path: (string | number)[];
  problem: string;
  hint: string;
  kind?: 'depth';
}

/** `String.prototype.isWellFormed` (Node 20+) is native and allocation-free; the pattern is the fallback. */
const wellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

const BEYOND_2_53 = ' is beyond 2^53 and may already have lost precision on the way here; ';
const AS_STRINGS = 'send large integers (ids, amounts in cents) as strings.';

/**
 * The warning for an integer past 2^53 as it applies to a value sent as written (an import's JSON
 * record goes as its own bytes): the number goes exact (the parsed value the check saw was rounded);
 * it is who reads it that may round it. Other warnings unchanged.
 */
export function sentAsWritten(warning: string): string {
  const at = warning.indexOf(BEYOND_2_53);
  if (at < 0) return warning;
  const path = warning.slice(0, warning.lastIndexOf(': ', at));
  return `${path} is an integer beyond 2^53: it is sent exactly as written in the file, but readers that hold numbers as doubles (JavaScript among them) round it; ${AS_STRINGS}`;
}

export function checkArgumentValues(value: unknown): ValueCheck {
  const warnings: string[] = [];
  const found = walk(value, 0, warnings, []);
  if (found) {
    found.path.reverse();
    return refuse(found.path, found.problem, found.hint, found.kind);
  }
  return { warnings };
}

/** `at` is the path down to `v`, kept only to word a warning (rare): it is a shared array, copied when used. */
function walk(v: unknown, depth: number, warnings: string[], at: (string | number)[]): Problem | undefined {
  if (typeof v === 'string') {
    if (!wellFormed(v)) return { path: [], problem: 'contains a lone UTF-16 surrogate (half of a character), which cannot be sent as text', hint: 'Send valid Unicode text: remove the broken character or escape it.' };
    return undefined;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { path: [], problem: `is ${v}, which JSON cannot carry (it would arrive as null)`, hint: 'Send a finite number, or the value as a string.' };
    if (Number.isInteger(v) && !Number.isSafeInteger(v) && warnings.length < MAX_WARNINGS) {
      warnings.push(`${where(at)}: ${v}${BEYOND_2_53}${AS_STRINGS}`);
    }
    return undefined;
  }
  if (v instanceof LossyNumber) {
    const shown = v.text.length > 40 ? `${v.text.slice(0, 20)}…${v.text.slice(-12)}` : v.text;
    return { path: [], problem: `is ${shown}, too small for a JSON number here (it would arrive as 0)`, hint: 'Send 0, or the value as a string.' };
  }
  if (!v || typeof v !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return { path: [], problem: `nests deeper than ${MAX_DEPTH} levels`, hint: `Flatten the value: arguments may nest at most ${MAX_DEPTH} levels.`, kind: 'depth' };
  // A deferred list (util/deferred-list.ts) was read from bytes that hold none of the values refused or warned about here.
  if (depth + 1 + MAX_NESTING < MAX_DEPTH && deferredOf(v)) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      at.push(i);
      const p = walk(v[i], depth + 1, warnings, at);
      at.pop();
      if (p) return p.path.push(i), p;
    }
    return undefined;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    if (!wellFormed(k)) return { path: [k], problem: 'has a field name with a lone UTF-16 surrogate', hint: 'Rename the field to valid Unicode text.' };
  }
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    at.push(k);
    const p = walk(o[k], depth + 1, warnings, at);
    at.pop();
    if (p) return p.path.push(k), p;
  }
  return undefined;
}

/** A field path for a message: dotted, cut when long, never with a broken character. */
function where(path: (string | number)[]): string {
  if (!path.length) return '(arguments)';
  // Deep paths keep their start (where in the arguments) and end (where it broke).
  const shown = path.length > 10 ? [...path.slice(0, 6), `…${path.length - 9} levels…`, ...path.slice(-3)] : path;
  const text = shown.map((p) => String(p).replace(LONE_SURROGATES, '\uFFFD')).join('.');
  return text.length > PATH_CHARS ? `${text.slice(0, PATH_CHARS)}…` : text;
}

function refuse(path: (string | number)[], problem: string, hint: string, kind?: 'depth'): ValueCheck {
  const field = where(path);
  return {
    warnings: [],
    error: {
      kind: 'validation',
      message: `Invalid arguments: ${field} ${problem}. Nothing was sent.`,
      hint: `${hint} ${NEXT}`,
      details: { issues: [{ field, problem }], ...(kind === 'depth' ? { max_depth: MAX_DEPTH } : {}) },
    },
  };
}
