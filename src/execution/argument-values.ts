import type { ToolError } from '../registry/types.js';
import { LossyNumber } from '../util/json-text.js';

/**
 * Checks every value in the arguments before anything else reads them: how deep they nest, numbers
 * JSON cannot carry, and strings that are not valid Unicode. Iterative, so no input can overflow the
 * stack here; the schema and the tools only ever see arguments that passed.
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

export function checkArgumentValues(value: unknown): ValueCheck {
  const warnings: string[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return refuse(path, 'contains a lone UTF-16 surrogate (half of a character), which cannot be sent as text', 'Send valid Unicode text: remove the broken character or escape it.');
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return refuse(path, `is ${v}, which JSON cannot carry (it would arrive as null)`, 'Send a finite number, or the value as a string.');
      if (Number.isInteger(v) && !Number.isSafeInteger(v) && warnings.length < MAX_WARNINGS) {
        warnings.push(`${where(path)}: ${v} is beyond 2^53 and may already have lost precision on the way here; send large integers (ids, amounts in cents) as strings.`);
      }
    } else if (v instanceof LossyNumber) {
      const shown = v.text.length > 40 ? `${v.text.slice(0, 20)}…${v.text.slice(-12)}` : v.text;
      return refuse(path, `is ${shown}, too small for a JSON number here (it would arrive as 0)`, 'Send 0, or the value as a string.');
    } else if (v && typeof v === 'object') {
      if (path.length >= MAX_DEPTH) return refuse(path, `nests deeper than ${MAX_DEPTH} levels`, `Flatten the value: arguments may nest at most ${MAX_DEPTH} levels.`, 'depth');
      if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      else {
        for (const [k, x] of Object.entries(v)) {
          if (LONE_SURROGATE.test(k)) return refuse([...path, k], 'has a field name with a lone UTF-16 surrogate', 'Rename the field to valid Unicode text.');
          stack.push({ v: x, path: [...path, k] });
        }
      }
    }
  }
  return { warnings };
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
