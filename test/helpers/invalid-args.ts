import fc from 'fast-check';
import type { ToolDefinition } from '../../src/registry/types.js';
import { validArgs } from './valid-args.js';

/** An invalid call and the field its refusal must name. */
export interface InvalidCase {
  args: unknown;
  field: string;
  mutation: string;
}

type Schema = Record<string, any>;

const fieldName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,15}$/);
const notString = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));

/** One arbitrary per JSON type, each producing only values of that type. */
const BY_TYPE: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 20 }),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
  integer: fc.integer(),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.integer(), { maxLength: 3 }),
  object: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.integer(), { maxKeys: 3 }),
};

/** The JSON types a schema accepts, read from `type` and `anyOf`/`oneOf`. */
function typesOf(s: Schema): Set<string> {
  const out = new Set<string>();
  const add = (t: unknown) => (Array.isArray(t) ? t : t ? [t] : []).forEach((x) => out.add(String(x)));
  add(s.type);
  for (const v of s.anyOf ?? s.oneOf ?? []) add(v.type);
  if (out.has('number')) out.add('integer');
  return out;
}

/** A value of a type the schema does not accept (or a string outside its enum). */
function wrongValueFor(s: Schema): fc.Arbitrary<unknown> | undefined {
  const allowed = typesOf(s);
  if (!allowed.size) return undefined; // accepts anything
  const wrong = Object.keys(BY_TYPE).filter((t) => !allowed.has(t)).map((t) => BY_TYPE[t]!);
  if (s.enum && allowed.has('string')) wrong.push(fc.string({ maxLength: 20 }).filter((v) => !s.enum.includes(v)));
  return wrong.length ? fc.oneof(...wrong) : undefined;
}

const nonObjectArgs: fc.Arbitrary<InvalidCase> = fc.oneof(
  fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.anything(), { maxLength: 3 })).map((args) => ({ args, field: '(arguments)', mutation: 'not an object' })),
  fc.string({ minLength: 1 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((args) => ({ args, field: 'arguments', mutation: 'string that is not JSON' })),
  fc.array(fc.integer(), { maxLength: 3 }).map((a) => ({ args: JSON.stringify(a), field: '(arguments)', mutation: 'JSON string of an array' })),
);

/**
 * Invalid arguments for any tool, built from its schema and a valid example: each case breaks one
 * thing (a required field missing or empty, a field of the wrong type, an unknown field, a bad
 * timestamp or messageId, a wrong nested type, arguments that are not an object).
 */
export function invalidArgs(tool: ToolDefinition): fc.Arbitrary<InvalidCase> {
  const base = validArgs(tool);
  if (!base) throw new Error(`no valid arguments for ${tool.slug}`);
  const schema = tool.inputJsonSchema() as Schema;
  const props: Record<string, Schema> = schema.properties ?? {};
  const required: string[] = schema.required ?? [];
  const cases: fc.Arbitrary<InvalidCase>[] = [nonObjectArgs];

  for (const [name, s] of Object.entries(props)) {
    const wrong = wrongValueFor(s);
    if (wrong) cases.push(wrong.map((v) => ({ args: { ...base, [name]: v }, field: name, mutation: `wrong type for ${name}` })));
  }
  for (const name of required) {
    const { [name]: _drop, ...rest } = base;
    cases.push(fc.constant({ args: rest, field: name, mutation: `missing ${name}` }));
    // Empty is invalid only where the schema says so (the Public API description sets no minLength on body fields).
    if (typesOf(props[name] ?? {}).has('string') && (props[name]?.minLength ?? 0) >= 1) cases.push(fc.constant({ args: { ...base, [name]: '' }, field: name, mutation: `empty ${name}` }));
  }
  if ('userId' in props && 'anonymousId' in props && !required.includes('userId')) {
    const { userId: _u, anonymousId: _a, ...rest } = base;
    cases.push(fc.constant({ args: rest, field: 'userId', mutation: 'no identity' }));
  }
  const unknownIsRefused = !tool.inputSchema().safeParse({ ...base, zzUnknownField: 1 }).success;
  if (unknownIsRefused) {
    cases.push(fieldName.filter((k) => !(k in props)).map((k) => ({ args: { ...base, [k]: 1 }, field: k, mutation: 'unknown field' })));
  }
  if ('timestamp' in props) {
    cases.push(fc.string().map((s) => ({ args: { ...base, timestamp: `not a date ${s}` }, field: 'timestamp', mutation: 'bad timestamp' })));
    cases.push(fc.constant({ args: { ...base, timestamp: '2024-01-31T12:00:00' }, field: 'timestamp', mutation: 'timestamp without zone' }));
  }
  if ('messageId' in props) {
    cases.push(fc.string({ minLength: 101, maxLength: 300 }).map((id) => ({ args: { ...base, messageId: id }, field: 'messageId', mutation: 'messageId over 100 characters' })));
  }
  if ('context' in props) {
    cases.push(
      fc.constantFrom(
        [{ location: { latitude: 'north' } }, 'context.location.latitude'],
        [{ screen: { width: '1080px' } }, 'context.screen.width'],
        [{ active: 'yes' }, 'context.active'],
        [{ device: { adTrackingEnabled: 'no' } }, 'context.device.adTrackingEnabled'],
        [{ traits: ['a'] }, 'context.traits'],
      ).map(([context, field]) => ({ args: { ...base, context }, field: field as string, mutation: 'nested wrong type' })),
    );
  }
  if ('batch' in props) {
    cases.push(fc.constant({ args: { ...base, batch: [] }, field: 'batch', mutation: 'empty batch' }));
    cases.push(fc.array(fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 5 }).map((batch) => ({ args: { batch }, field: 'batch.0', mutation: 'batch items not objects' })));
  }
  if (tool.slug === 'SEGMENT_IMPORT_HISTORICAL_DATA') {
    cases.push(fc.integer({ min: 1, max: 20 }).map((n) => ({
      args: { batch: [...Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'E', timestamp: '2024-01-31T12:00:00Z' })), { type: 'track', userId: 'late', event: 'E' }] },
      field: `batch.${n}.timestamp`,
      mutation: 'import item without timestamp',
    })));
  }
  return fc.oneof(...cases);
}

/** A batch whose every message is invalid in its own way: all reported by index, none sent. */
export function allInvalidBatch(): fc.Arbitrary<{ batch: Record<string, unknown>[]; fields: string[] }> {
  const bad = fc.oneof(
    fc.constant([{ type: 'track', event: 'E' }, 'userId'] as const),
    fc.string().map((s) => [{ type: 'track', userId: 'u', event: 'E', timestamp: `x${s}` }, 'timestamp'] as const),
    notString.map((v) => [{ type: 'identify', userId: v }, 'userId'] as const),
    fieldName.filter((k) => !['type', 'userId', 'event', 'anonymousId', 'properties', 'context', 'integrations', 'timestamp', 'messageId'].includes(k)).map((k) => [{ type: 'track', userId: 'u', event: 'E', [k]: 1 }, k] as const),
    fc.string({ maxLength: 10 }).filter((t) => !['identify', 'track', 'page', 'screen', 'group', 'alias'].includes(t)).map((t) => [{ type: t, userId: 'u' }, 'type'] as const),
    fc.constant([{ type: 'alias', userId: 'u' }, 'previousId'] as const),
    fc.constant([{ type: 'group', userId: 'u' }, 'groupId'] as const),
  );
  return fc.array(bad, { minLength: 1, maxLength: 30 }).map((items) => ({ batch: items.map(([m]) => ({ ...m })), fields: items.map(([, f]) => f) }));
}

/** The refusal names the field: in the message, and (when given) in a field-level issue. */
export function namesField(error: { message: string; details?: unknown } | undefined, field: string): boolean {
  if (!error) return false;
  const issues = (error.details as { issues?: { field: string; problem: string }[] } | undefined)?.issues;
  const inMessage = error.message.includes(field) || (field === '(arguments)' && /arguments/.test(error.message));
  if (!issues) return inMessage;
  const inIssues = issues.some((i) => i.field === field || i.field.startsWith(`${field}.`) || i.problem.includes(`"${field}"`) || (field.startsWith(`${i.field}.`) && i.field !== '(arguments)'));
  return inMessage && inIssues && issues.every((i) => typeof i.field === 'string' && i.problem.length > 0);
}
