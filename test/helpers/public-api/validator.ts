import OpenAPIBackend from 'openapi-backend';

/**
 * A real OpenAPI validator (openapi-backend) over the description, set up to check requests as
 * Segment receives them:
 * - the token security scheme is checked with a handler that requires `Bearer <token>`;
 * - a query key given once is still an array when the parameter is an exploded form array
 *   (ajv's coerceTypes "array"), as form-explode means;
 * - only requests are validated here, so response bodies are left out of its copy;
 * - openapi-backend reads a body schema only from `application/json`, so each operation's body
 *   schema is taken from the media type the request actually sends (`bodyMediaTypes`).
 */
export interface CheckedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Verdict {
  operationId?: string;
  problems: string[];
}

export async function createValidator(description: Record<string, any>, bodyMediaTypes: Record<string, string>, token: string) {
  const definition = structuredClone(description);
  for (const item of Object.values<Record<string, any>>(definition.paths)) {
    for (const op of Object.values<Record<string, any>>(item)) {
      // Requests only: response schemas would make start-up compile hundreds of unused validators.
      for (const r of Object.values<Record<string, any>>(op.responses)) delete r.content;
      const mt = bodyMediaTypes[op.operationId];
      if (op.requestBody && mt && op.requestBody.content[mt]) op.requestBody.content = { 'application/json': op.requestBody.content[mt] };
    }
  }
  const api = new OpenAPIBackend({
    definition: definition as never,
    strict: true,
    customizeAjv: (ajv, opts, ctx) => (ctx === 'paramsValidator' ? new (ajv.constructor as any)({ ...opts, coerceTypes: 'array' }) : ajv),
  });
  api.registerSecurityHandler('token', (c) => c.request.headers.authorization === `Bearer ${token}`);
  api.register({
    notFound: () => ({ problems: ['no operation of the description matches the method and path'] }),
    methodNotAllowed: () => ({ problems: ['method not allowed on this path'] }),
    unauthorizedHandler: (c) => ({ operationId: c.operation?.operationId, problems: ['security scheme "token" (Bearer) not satisfied'] }),
    validationFail: (c) => ({ operationId: c.operation?.operationId, problems: (c.validation.errors ?? []).map((e: any) => `${e.instancePath || '(root)'} ${e.message}`) }),
    notImplemented: (c) => ({ operationId: c.operation?.operationId, problems: [] }),
  });
  await api.init();
  return { check: (req: CheckedRequest) => check(api, req), declared: (operationId: string) => declaredMediaTypes(description, operationId) };
}

async function check(api: OpenAPIBackend, req: CheckedRequest): Promise<Verdict> {
    const url = new URL(req.url);
    return (await api.handleRequest({
      method: req.method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: req.headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    })) as Verdict;
}

/** Media types the description declares for an operation (before the body remapping). */
function declaredMediaTypes(description: Record<string, any>, operationId: string): { responses: string[]; body: string[] } {
  for (const item of Object.values<Record<string, any>>(description.paths)) {
    for (const op of Object.values<Record<string, any>>(item)) {
      if (op.operationId !== operationId) continue;
      const success = Object.entries<any>(op.responses).find(([code]) => code.startsWith('2'))![1];
      return { responses: Object.keys(success.content ?? {}), body: Object.keys(op.requestBody?.content ?? {}) };
    }
  }
  throw new Error(`no operation ${operationId}`);
}
