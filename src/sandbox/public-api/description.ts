import { readFileSync } from 'node:fs';

/**
 * The sandbox's view of the Public API description: the committed, prose-free copy in
 * data/public-api/openapi.json, read on the first request that needs it (routes and response shapes).
 */
const FILE = new URL('../../../data/public-api/openapi.json', import.meta.url);

type Schema = Record<string, any>;
interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
export interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  op: Operation;
}

interface Description {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

let doc: Description | undefined;
let routes: Route[] | undefined;

function description(): Description {
  return (doc ??= JSON.parse(readFileSync(FILE, 'utf8')) as Description);
}

/** Literal segments before parameters, so `/audiences/previews/{id}` wins over `/audiences/{id}`. */
function specificity(template: string): number {
  return template.split('/').filter((s) => s && !s.startsWith('{')).length;
}

export function allRoutes(): Route[] {
  if (routes) return routes;
  const out: Route[] = [];
  for (const [template, item] of Object.entries(description().paths)) {
    for (const [method, op] of Object.entries(item)) {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      });
      out.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), names, op });
    }
  }
  return (routes = out.sort((a, b) => specificity(b.template) - specificity(a.template)));
}

/** The operation a request is for, with its path parameters decoded. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of allRoutes()) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route, params };
  }
  return undefined;
}

/** The success status and schema the operation answers with for an Accept header. */
export function successShape(op: Operation, accept: string | undefined): { status: number; schema?: Schema } {
  const [code, res] = Object.entries(op.responses).find(([c]) => c.startsWith('2'))!;
  const content = res.content ?? {};
  const media = accept && content[accept] ? accept : content['application/json'] ? 'application/json' : Object.keys(content)[0];
  return { status: Number(code), schema: media ? content[media]!.schema : undefined };
}

export function schemaNamed(name: string): Schema {
  const s = description().components.schemas[name];
  if (!s) throw new Error(`sandbox: no schema ${name}`);
  return s;
}

/**
 * A small value that fits a schema: required properties only, one item per array, the first enum
 * value, strings named after their property. Deterministic, so tests can rely on it.
 */
export function sample(schema: Schema | undefined, name = 'value', depth = 0): unknown {
  if (!schema) return null;
  if (schema.$ref) return sample(schemaNamed(String(schema.$ref).split('/').pop()!), name, depth);
  if (schema.allOf) return sample(schema.allOf[0], name, depth);
  if (schema.anyOf || schema.oneOf) return sample((schema.anyOf ?? schema.oneOf)[0], name, depth);
  if (schema.enum) return schema.enum[0];
  if (depth > 8) return schema.type === 'array' ? [] : schema.type === 'object' ? {} : null;
  switch (schema.type) {
    case 'string':
      return /id$/i.test(name) ? `sb_${name}` : `sample ${name}`;
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items, name, depth + 1)];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key], key, depth + 1);
      return out;
    }
    default:
      return {};
  }
}
