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
const PATTERN_FORMATS = new Set(['datetime', 'iso-timestamp']);

/** A part the check cannot tell about: the whole check then answers false and zod decides. */
class CannotTell extends Error {}

/**
 * The check as JavaScript source: one function per object, record and union schema (each made once,
 * however often it is used), every other test written out in line. Built as a tree of closures, one
 * call per member, it cost ~0.25 us a typical batch message; as source, ~0.10 us.
 */
class Source {
  private readonly functions: string[] = [];
  /** Values the source refers to (patterns, a helper), passed in by position. */
  readonly values: unknown[] = [];
  /** The function made for a schema used in several places (context, properties): made once. */
  private readonly made = new Map<z.core.$ZodType, string>();

  constant(value: unknown): string {
    this.values.push(value);
    return `c${this.values.length - 1}`;
  }

  /**
   * A function of one argument `v` whose body `make` writes; answers its name. Named before its body is
   * made, so a schema that contains itself calls its own function rather than being made forever.
   */
  define(make: () => string, schema?: z.core.$ZodType): string {
    const index = this.functions.push('') - 1;
    const name = `f${index}`;
    if (schema) this.made.set(schema, name);
    this.functions[index] = `function ${name}(v) {\n${make()}\n}`;
    return name;
  }

  text(root: string): string {
    return `"use strict";\n${this.functions.join('\n')}\nreturn ${root};`;
  }

  /** An expression true when `v` (a simple name) passes `schema`. */
  test(schema: z.core.$ZodType, v: string): string {
    const def = defOf(schema);
    if (def.coerce) throw new CannotTell();
    switch (def.type) {
      case 'unknown':
        return 'true';
      case 'optional': {
        const inner = this.test(def.innerType!, v);
        return inner === 'true' ? 'true' : `(${v} === undefined || ${inner})`;
      }
      case 'boolean':
        if (def.checks?.length) throw new CannotTell();
        return `typeof ${v} === "boolean"`;
      case 'number':
        if (def.checks?.length) throw new CannotTell();
        return `(typeof ${v} === "number" && Number.isFinite(${v}))`;
      case 'string':
        return this.string(def, v);
      case 'literal':
        return `(${(def.values ?? []).map((x) => `${v} === ${this.literal(x)}`).join(' || ') || 'false'})`;
      case 'record':
      case 'union':
      case 'object': {
        const name = this.made.get(schema) ?? this.define(() => (def.type === 'record' ? this.record(def) : def.type === 'union' ? this.union(def) : this.object(def)), schema);
        return `${name}(${v})`;
      }
      default:
        throw new CannotTell();
    }
  }

  /** A literal as source: strings and finite numbers as JSON; `===` cannot find NaN. */
  private literal(x: unknown): string {
    if (typeof x === 'string' || typeof x === 'boolean' || x === null || (typeof x === 'number' && Number.isFinite(x))) return JSON.stringify(x);
    throw new CannotTell();
  }

  private string(def: Def, v: string): string {
    let min = 0;
    let max = Infinity;
    for (const c of def.checks ?? []) {
      const d = c._zod.def;
      if (d.check === 'min_length' && typeof d.minimum === 'number') min = Math.max(min, d.minimum);
      else if (d.check === 'max_length' && typeof d.maximum === 'number') max = Math.min(max, d.maximum);
      else throw new CannotTell();
    }
    // UTF-16 units: never more than zod's count of characters, so never more lenient than it.
    let test = `typeof ${v} === "string"`;
    if (min > 0) test += ` && ${v}.length >= ${min}`;
    if (max !== Infinity) test += ` && ${v}.length <= ${max}`;
    if (def.format !== undefined) {
      if (!PATTERN_FORMATS.has(def.format) || !(def.pattern instanceof RegExp) || def.pattern.global || def.pattern.sticky) throw new CannotTell();
      test += ` && ${this.constant(def.pattern)}.test(${v})`;
    }
    return `(${test})`;
  }

  /** The bodies of the functions for objects, records and unions. */
  private object(def: Def): string {
    if (def.checks?.length) throw new CannotTell(); // refinements: only the schema can tell
    const catchall = def.catchall === undefined ? 'strip' : defOf(def.catchall).type;
    if (catchall !== 'never' && catchall !== 'unknown' && catchall !== 'strip') throw new CannotTell();
    const lines = ['if (typeof v !== "object" || v === null || Array.isArray(v)) return false;', 'let m;'];
    const keys = Object.keys(def.shape ?? {});
    for (const key of keys) {
      const schema = def.shape![key]!;
      lines.push(`m = v[${JSON.stringify(key)}];`);
      // An optional member may be absent; when present, its value is what its inner schema says.
      if (defOf(schema).type === 'optional') lines.push(`if (m !== undefined && !(${this.test(defOf(schema).innerType!, 'm')})) return false;`);
      else lines.push(`if (m === undefined || !(${this.test(schema, 'm')})) return false;`);
    }
    if (catchall === 'never') lines.push(`for (const k in v) switch (k) { ${keys.map((k) => `case ${JSON.stringify(k)}: `).join('')}break; default: return false; }`);
    lines.push('return true;');
    return lines.join('\n');
  }

  private record(def: Def): string {
    const key = defOf(def.keyType!);
    if (key.type !== 'string' || key.checks?.length || key.format !== undefined || key.coerce) throw new CannotTell();
    const plain = this.constant(isPlain);
    const value = this.test(def.valueType!, 'm');
    const lines = [`if (!${plain}(v) || Object.getOwnPropertySymbols(v).length) return false;`];
    if (value !== 'true') lines.push(`for (const k of Object.keys(v)) { const m = v[k]; if (!(${value})) return false; }`);
    lines.push('return true;');
    return lines.join('\n');
  }

  private union(def: Def): string {
    if (def.discriminator === undefined) return `return ${def.options!.map((o) => this.test(o, 'v')).join(' || ') || 'false'};`;
    // A discriminated union: the option whose literal the discriminator matches decides.
    const lines = ['if (typeof v !== "object" || v === null || Array.isArray(v)) return false;', `const d = v[${JSON.stringify(def.discriminator)}];`];
    for (const option of def.options!) {
      const literal = defOf(defOf(option).shape?.[def.discriminator] ?? option);
      const values = literal.type === 'literal' ? (literal.values ?? []) : [];
      if (!values.length) continue;
      lines.push(`if (${values.map((x) => `d === ${this.literal(x)}`).join(' || ')}) return ${this.test(option, 'v')};`);
    }
    lines.push('return false;');
    return lines.join('\n');
  }
}

/**
 * Builds the fast check of `schema`. A part it does not know makes it answer "cannot tell" (false) to
 * everything, as does a process that forbids making code from text (node
 * --disallow-code-generation-from-strings): zod then checks every value, as it would without this.
 * Every part of the batch message schema is known (fast-check.test.ts: it accepts all the schema does).
 */
export function compileFastCheck(schema: z.core.$ZodType): FastCheck {
  const source = new Source();
  try {
    const root = source.test(schema, 'v');
    const text = source.text(source.define(() => `return ${root};`));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source is made above from the schema alone
    return new Function(...source.values.map((_, i) => `c${i}`), text)(...source.values) as FastCheck;
  } catch (err) {
    if (err instanceof CannotTell || err instanceof EvalError) return NEVER;
    throw err;
  }
}
