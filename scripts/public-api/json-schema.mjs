/**
 * OpenAPI 3.0 schemas -> self-contained JSON Schema (draft 2020-12 keywords), refs inlined.
 * What changes: `$ref` is replaced by the schema it names; `nullable` becomes a `null` type
 * (or an `anyOf` with null around a composed schema); a one-element `allOf` is unwrapped.
 * The description has no reference cycles today; one would be reported, not looped on.
 */

export function makeResolver(doc) {
  const schemas = doc.components?.schemas ?? {};
  return function resolve(ref) {
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    if (!m || !schemas[m[1]]) throw new Error(`Unresolvable $ref ${ref}`);
    return schemas[m[1]];
  };
}

export function toJsonSchema(schema, resolve, seen = []) {
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.$ref) {
    if (seen.includes(schema.$ref)) throw new Error(`Reference cycle: ${[...seen, schema.$ref].join(' -> ')}`);
    return toJsonSchema(resolve(schema.$ref), resolve, [...seen, schema.$ref]);
  }
  const { nullable, allOf, ...rest } = schema;
  let out;
  if (allOf) {
    // The description wraps a ref in allOf only to mark it nullable; merge several if they ever appear.
    const parts = allOf.map((s) => toJsonSchema(s, resolve, seen));
    out = parts.length === 1 ? parts[0] : { allOf: parts };
    if (nullable) return { anyOf: [out, { type: 'null' }] };
    return out;
  }
  out = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value).map(([n, s]) => [n, toJsonSchema(s, resolve, seen)]));
    } else if (key === 'items') {
      out.items = toJsonSchema(value, resolve, seen);
    } else if (key === 'additionalProperties') {
      out.additionalProperties = typeof value === 'object' && Object.keys(value).length === 0 ? true : typeof value === 'object' ? toJsonSchema(value, resolve, seen) : value;
    } else if (key === 'anyOf' || key === 'oneOf') {
      out[key] = value.map((s) => toJsonSchema(s, resolve, seen));
    } else {
      out[key] = value;
    }
  }
  if (nullable) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (out.enum && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else if (out.anyOf) {
      out.anyOf = [...out.anyOf, { type: 'null' }];
    } else if (out.type === undefined) {
      // Untyped and nullable: anything, null included, already.
    }
  }
  return out;
}
