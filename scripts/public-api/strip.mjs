import { STATUS_CODES } from 'node:http';

/**
 * The facts of an OpenAPI 3.0 description with its prose left out: paths, methods, operation ids,
 * summaries (used as titles), tags, parameters, schemas and media types. Every `description`,
 * example and title is dropped, so what the project commits is data, not Segment's wording.
 * Idempotent: stripping a stripped description changes nothing, so the committed copy can be fed
 * back to the generator.
 */

/** Schema keywords that state facts; everything else (description, example, title...) is dropped. */
const SCHEMA_KEYS = new Set([
  '$ref', 'type', 'enum', 'format', 'nullable', 'required', 'items', 'additionalProperties',
  'anyOf', 'oneOf', 'allOf', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'default', 'readOnly', 'writeOnly', 'deprecated',
]);

export function stripSchema(schema) {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      // Property names are data (a property may even be called "description"); their schemas are stripped.
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, stripSchema(s)]));
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = stripSchema(value);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = value.map(stripSchema);
    } else if (SCHEMA_KEYS.has(key)) {
      out[key] = value;
    }
  }
  return out;
}

const stripContent = (content) =>
  Object.fromEntries(Object.entries(content ?? {}).map(([mt, m]) => [mt, { schema: stripSchema(m.schema) }]));

function stripParameter(p) {
  const out = { name: p.name, in: p.in, schema: stripSchema(p.schema) };
  if (p.required) out.required = true;
  if (p.style) out.style = p.style;
  if (p.explode !== undefined) out.explode = p.explode;
  return out;
}

function stripOperation(op) {
  const out = { operationId: op.operationId, summary: op.summary, tags: op.tags ?? [], responses: {} };
  if (op.parameters?.length) out.parameters = op.parameters.map(stripParameter);
  if (op.requestBody) out.requestBody = { required: !!op.requestBody.required, content: stripContent(op.requestBody.content) };
  for (const [code, r] of Object.entries(op.responses ?? {})) {
    // OpenAPI requires a response description; the standard reason phrase says it without prose.
    out.responses[code] = { description: STATUS_CODES[Number(code)] ?? code };
    if (r.content) out.responses[code].content = stripContent(r.content);
  }
  return out;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function stripDescription(doc) {
  const paths = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (item.parameters) throw new Error(`${path}: path-level parameters are not supported by the generator; move them onto each operation.`);
    paths[path] = {};
    for (const m of METHODS) if (item[m]) paths[path][m] = stripOperation(item[m]);
  }
  const schemes = {};
  for (const [name, s] of Object.entries(doc.components?.securitySchemes ?? {})) {
    schemes[name] = Object.fromEntries(Object.entries(s).filter(([k]) => ['type', 'scheme', 'bearerFormat', 'in', 'name'].includes(k)));
  }
  return {
    openapi: doc.openapi,
    info: { title: doc.info?.title, version: doc.info?.version },
    servers: (doc.servers ?? []).map((s) => ({ url: s.url })),
    security: doc.security ?? [],
    tags: (doc.tags ?? []).map((t) => ({ name: t.name })),
    paths,
    components: {
      securitySchemes: schemes,
      schemas: Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).map(([n, s]) => [n, stripSchema(s)])),
    },
  };
}
