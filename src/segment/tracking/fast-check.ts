import type { z } from 'zod';

/**
 * A fast check built from a zod schema: it answers true only when the schema would accept the value,
 * and false when it would not or when the check cannot tell (anything it does not know is "cannot
 * tell"). Callers run the schema itself on false, so its answer and its wording of every problem are
 * unchanged; the fast check only spares the schema's copy of each valid value, which for a batch of
 * 25,000 messages cost more than the checking and most of the garbage collection.
 */
export type FastCheck = (value: unknown) => boolean;

const NEVER: FastCheck = () => false;
const ALWAYS: FastCheck = () => true;

/** What zod's objects require: an object that is not an array. */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A plain object as JSON makes them: zod's records ask for a plain object, and this is a narrower test. */
function isPlain(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && !Object.prototype.hasOwnProperty.call(v, 'constructor');
}

interface Def {
  type: string;
  coerce?: boolean;
  checks?: { _zod: { def: { check: string; minimum?: number; maximum?: number } } }[];
  format?: string;
  pattern?: RegExp;
  innerType?: z.core.$ZodType;
  values?: unknown[];
  keyType?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  shape?: Record<string, z.core.$ZodType>;
  catchall?: z.core.$ZodType;
}

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as Def;

/** String formats whose whole check is their pattern (zod's $ZodCheckStringFormat with a pattern). */
const PATTERN_FORMATS = new Set(['datetime']);

function stringCheck(def: Def): FastCheck {
  let min = 0;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'min_length' && typeof d.minimum === 'number') min = Math.max(min, d.minimum);
    else if (d.check === 'max_length' && typeof d.maximum === 'number') max = Math.min(max, d.maximum);
    else return NEVER;
  }
  let pattern: RegExp | undefined;
  if (def.format !== undefined) {
    if (!PATTERN_FORMATS.has(def.format) || !(def.pattern instanceof RegExp) || def.pattern.global || def.pattern.sticky) return NEVER;
    pattern = def.pattern;
  }
  return (v) => typeof v === 'string' && v.length >= min && v.length <= max && (pattern === undefined || pattern.test(v));
}

function objectCheck(def: Def): FastCheck {
  if (def.checks?.length) return NEVER; // refinements: only the schema can tell
  const catchall = def.catchall === undefined ? 'strip' : defOf(def.catchall).type;
  if (catchall !== 'never' && catchall !== 'unknown' && catchall !== 'strip') return NEVER;
  const keys = Object.keys(def.shape ?? {});
  const checks = keys.map((k) => compileFastCheck(def.shape![k]!));
  const optional = keys.map((k) => defOf(def.shape![k]!).type === 'optional');
  const known = new Set(keys);
  const strict = catchall === 'never';
  return (v) => {
    if (!isObject(v)) return false;
    for (let i = 0; i < keys.length; i++) {
      const value = v[keys[i]!];
      if (value === undefined ? !optional[i] : !checks[i]!(value)) return false;
    }
    if (strict) {
      for (const k in v) if (!known.has(k)) return false;
    }
    return true;
  };
}

function recordCheck(def: Def): FastCheck {
  const key = defOf(def.keyType!);
  if (key.type !== 'string' || key.checks?.length || key.format !== undefined || key.coerce) return NEVER;
  const value = compileFastCheck(def.valueType!);
  if (value === ALWAYS) return (v) => isPlain(v) && Object.getOwnPropertySymbols(v).length === 0;
  return (v) => {
    if (!isPlain(v) || Object.getOwnPropertySymbols(v).length) return false;
    for (const k of Object.keys(v)) if (!value(v[k])) return false;
    return true;
  };
}

function unionCheck(def: Def): FastCheck {
  const options = def.options!.map(compileFastCheck);
  if (def.discriminator === undefined) return (v) => options.some((check) => check(v));
  // A discriminated union: the option whose literal the discriminator matches decides.
  const by = new Map<unknown, FastCheck>();
  def.options!.forEach((o, i) => {
    const literal = defOf(defOf(o).shape?.[def.discriminator!] ?? o);
    for (const value of literal.type === 'literal' ? (literal.values ?? []) : []) by.set(value, options[i]!);
  });
  const field = def.discriminator;
  return (v) => isObject(v) && (by.get(v[field]) ?? NEVER)(v);
}

/** Builds the fast check of `schema`; parts it does not know answer "cannot tell". */
export function compileFastCheck(schema: z.core.$ZodType): FastCheck {
  const def = defOf(schema);
  if (def.coerce) return NEVER;
  switch (def.type) {
    case 'unknown':
      return ALWAYS;
    case 'optional': {
      const inner = compileFastCheck(def.innerType!);
      return (v) => v === undefined || inner(v);
    }
    case 'boolean':
      return def.checks?.length ? NEVER : (v) => typeof v === 'boolean';
    case 'number':
      return def.checks?.length ? NEVER : (v) => typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return stringCheck(def);
    case 'literal': {
      const values = new Set(def.values ?? []);
      return (v) => values.has(v);
    }
    case 'record':
      return recordCheck(def);
    case 'union':
      return unionCheck(def);
    case 'object':
      return objectCheck(def);
    default:
      return NEVER;
  }
}
