import { makeResolver, toJsonSchema } from './json-schema.mjs';
import { ALL_PAGES_LIMITS, DEFAULT_PAGE_SIZE, PAGE_LIMITS, accessOf, bestMediaType, slugOf, stabilityOf, toolsetOf } from './rules.mjs';

/**
 * One operation of the (stripped) description -> its index entry (loaded at start-up) and its input
 * (JSON Schema + request plan, loaded on first use). No words here: see words.mjs.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const RESERVED = new Set(['all_pages', 'body']);

export function listOperations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) if (item[method]) ops.push({ path, method, op: item[method] });
  }
  return ops.sort((a, b) => a.op.operationId.localeCompare(b.op.operationId));
}

const refName = (schema) => (schema?.$ref ? schema.$ref.split('/').pop() : undefined);

/** How a query parameter goes on the wire (see src/segment/public-api/query.ts). */
function queryEncoding(param, schema) {
  if (schema.type === 'object') return 'deep';
  if (schema.type === 'array') return schema.items?.type === 'object' ? 'indexed' : 'repeat';
  return 'plain';
}

function paginationSchema(param, resolved) {
  const limits = PAGE_LIMITS[refName(param.schema)];
  if (!limits) throw new Error(`Query parameter ${param.name} uses ${refName(param.schema)}: add its page size limit to PAGE_LIMITS in scripts/public-api/rules.mjs.`);
  const def = Math.min(DEFAULT_PAGE_SIZE, limits.max);
  return {
    limits: { max: limits.max, default: def },
    schema: {
      type: 'object',
      description: `Which page: count = items per page (1-${limits.max}, default ${def}); cursor = the next_cursor of the previous answer.`,
      properties: {
        count: { type: 'integer', minimum: 1, maximum: limits.max },
        cursor: { type: resolved.properties.cursor?.type ?? 'string' },
      },
      additionalProperties: false,
    },
  };
}

export function deriveOperation({ path, method, op }, doc) {
  const resolve = makeResolver(doc);
  const id = op.operationId;
  const success = Object.entries(op.responses).find(([code]) => code.startsWith('2'));
  if (!success) throw new Error(`${id}: no 2xx response`);
  const accept = bestMediaType(Object.keys(success[1].content ?? { 'application/json': {} }));
  const properties = {};
  const required = [];
  const plan = { path: [], query: [] };

  for (const p of op.parameters ?? []) {
    if (RESERVED.has(p.name)) throw new Error(`${id}: parameter "${p.name}" clashes with a name the router reserves`);
    if (p.in === 'path') {
      plan.path.push(p.name);
      properties[p.name] = { type: 'string', minLength: 1 };
      required.push(p.name);
    } else if (p.in === 'query') {
      const resolved = toJsonSchema(p.schema, resolve);
      const entry = { name: p.name, encoding: queryEncoding(p, resolved) };
      if (p.required) entry.required = true;
      if (/PaginationInput$/.test(refName(p.schema) ?? '')) {
        const pg = paginationSchema(p, resolved);
        entry.page = pg.limits;
        properties[p.name] = pg.schema;
      } else {
        properties[p.name] = resolved;
        if (p.required) required.push(p.name);
      }
      plan.query.push(entry);
    } else {
      throw new Error(`${id}: ${p.in} parameters are not supported`);
    }
  }

  let contentType;
  if (op.requestBody) {
    const offered = Object.keys(op.requestBody.content);
    contentType = offered.includes(accept) ? accept : bestMediaType(offered);
    const body = toJsonSchema(op.requestBody.content[contentType].schema, resolve);
    if (body.type !== 'object' || !body.properties) throw new Error(`${id}: request body is not an object with properties`);
    // Sorted: object key order is not a fact of the description, and the output must not depend on it.
    const names = Object.keys(body.properties).sort();
    const clash = names.some((n) => properties[n] || RESERVED.has(n));
    // Body fields sit beside the parameters, so the agent sees one flat object; on a name clash the
    // whole body moves under "body" instead (none today; the rule is here for the next API version).
    if (clash) {
      properties.body = body;
      if (op.requestBody.required) required.push('body');
      plan.body = { mode: 'nested' };
    } else {
      for (const n of names) properties[n] = body.properties[n];
      required.push(...(body.required ?? []));
      plan.body = { mode: 'flat', fields: names };
    }
  }

  const data = responseData(success[1].content?.[accept]?.schema, resolve);
  const paging = pagingOf(plan.query, data);
  if (paging) {
    plan.paging = paging;
    properties.all_pages = {
      type: 'boolean',
      description: `Follow next cursors and return all pages merged (stops after ${ALL_PAGES_LIMITS.maxPages} pages or ${ALL_PAGES_LIMITS.maxItems} items and says so).`,
    };
  }

  const inputSchema = { type: 'object', properties, additionalProperties: false };
  if (required.length) inputSchema.required = [...new Set(required)];
  const stability = stabilityOf(accept);
  const entry = {
    slug: slugOf(id),
    operationId: id,
    method: method.toUpperCase(),
    path,
    title: op.summary,
    tag: op.tags[0] ?? 'Other',
    toolset: toolsetOf(op.tags[0] ?? 'other'),
    access: accessOf(method, id),
    stability,
    accept,
    ...(contentType ? { contentType } : {}),
    paramNames: Object.keys(properties),
    ...(paging ? { paged: true } : {}),
  };
  return { entry, input: { inputSchema, plan }, data };
}

/** The `data` object of the success envelope, resolved. */
function responseData(schema, resolve) {
  if (!schema) return undefined;
  const env = toJsonSchema(schema, resolve);
  const data = env.properties?.data;
  return data?.anyOf ? data.anyOf.find((s) => s.type === 'object') : data;
}

/**
 * An operation pages when it takes a cursor and answers with data.pagination. The list fields are
 * the arrays in data: all_pages concatenates them.
 */
function pagingOf(query, data) {
  if (!data?.properties?.pagination) return undefined;
  const listFields = Object.keys(data.properties).sort().filter((n) => data.properties[n].type === 'array');
  if (!listFields.length) return undefined;
  if (query.some((q) => q.name === 'pagination' && q.page)) return { style: 'object', param: 'pagination', listFields };
  if (query.some((q) => q.name === 'cursor')) return { style: 'flat', param: 'cursor', listFields };
  return undefined;
}
