/**
 * Deterministic arguments from a tool's input JSON Schema, for contract tests.
 * `minimal`: required fields only, first enum values, one item per array.
 * `full`: every field, last enum values, two items per array, path ids with characters that must
 * be encoded, all_pages on (so a default page size is filled in).
 */
type Schema = Record<string, any>;
export type Variant = 'minimal' | 'full';

function value(schema: Schema, name: string, v: Variant, depth: number): unknown {
  if (schema.anyOf || schema.oneOf) {
    const options = ((schema.anyOf ?? schema.oneOf) as Schema[]).filter((s) => s.type !== 'null');
    return value(v === 'full' ? options[options.length - 1]! : options[0]!, name, v, depth);
  }
  if (schema.allOf) return value(schema.allOf[0], name, v, depth);
  if (schema.enum) {
    const values = (schema.enum as unknown[]).filter((x) => x !== null);
    return v === 'full' ? values[values.length - 1] : values[0];
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return /time$/i.test(name) || name === 'hour' ? '2026-01-31T12:00:00Z' : name === 'period' ? '2026-01-01' : `${name}-1`;
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 1;
      const max = schema.maximum ?? 100;
      return v === 'full' ? Math.min(max, Math.max(min, 7)) : min;
    }
    case 'boolean':
      return v === 'full';
    case 'array': {
      const n = v === 'full' ? 2 : 1;
      return Array.from({ length: n }, (_, i) => {
        const item = value(schema.items ?? {}, name, v, depth + 1);
        return typeof item === 'string' && !schema.items?.enum ? `${item}${i}` : item;
      });
    }
    case 'object':
      return object(schema, v, depth + 1);
    default:
      return { any: 'value' };
  }
}

function object(schema: Schema, v: Variant, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set<string>(schema.required ?? []);
  for (const [name, s] of Object.entries<Schema>(schema.properties ?? {})) {
    if (v === 'minimal' && !required.has(name)) continue;
    out[name] = value(s, name, v, depth);
  }
  if (!schema.properties && schema.additionalProperties !== false && v === 'full') out.extra_setting = 'on';
  return out;
}

/** Arguments for a tool: the path ids carry characters that must be percent-encoded in the full variant. */
export function argumentsFor(input: Schema, pathParams: string[], v: Variant): Record<string, unknown> {
  const args = object(input, v, 0);
  for (const p of pathParams) args[p] = v === 'full' ? `${p} 1/ä?#` : `${p}-1`;
  // A cursor without a count: the router must fill in the page size.
  if (v === 'full' && 'pagination' in args) args.pagination = { cursor: value(input.properties.pagination.properties.cursor, 'cursor', v, 1) };
  return args;
}
