import OpenAPIBackend from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { operationIndex, operationInput } from '../../src/segment/public-api/catalog.js';
import { seedStore } from '../../src/sandbox/public-api/store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { argumentsFor } from '../helpers/public-api/arguments.js';
import { committedDescription } from '../helpers/public-api/description.js';

/**
 * The sandbox answers every operation of the description with the shape it promises: each request
 * a tool would send goes to the sandbox, and the answer (success or error envelope) is validated
 * by openapi-backend against the response schema for its status.
 */
const TOKEN = 'sgp_sandbox_shape_token_0123';
let sandbox: Sandbox;
let app: App;
let api: OpenAPIBackend;

beforeAll(async () => {
  sandbox = await startSandbox({ tokens: [TOKEN] });
  app = createApp({ write: 'allow', allowDestructive: true, logLevel: 'silent', env: { SEGMENT_PUBLIC_API_TOKEN: TOKEN, SEGMENT_PUBLIC_API_URL: sandbox.url } });
  // quick: compile only the response validators this test uses.
  api = new OpenAPIBackend({ definition: committedDescription() as never, quick: true });
  await api.init();
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});

/** Ids the sandbox knows, so stateful routes answer 200 rather than 404. */
const KNOWN: Record<string, string> = { sourceId: 'src_web', destinationId: 'dst_amplitude', warehouseId: 'wh_snowflake', trackingPlanId: 'tp_main' };

describe('sandbox Public API', () => {
  it('answers every operation with the shape of the description', async () => {
    const wrong: string[] = [];
    const statuses: Record<number, number> = {};
    for (const op of operationIndex().operations) {
      const input = operationInput(op.operationId);
      const args = argumentsFor(input.inputSchema, input.plan.path, 'minimal');
      for (const p of input.plan.path) if (KNOWN[p]) args[p] = KNOWN[p];
      if (op.operationId === 'addSourceToTrackingPlan') args.sourceId = 'src_ios';
      // The metric reads answer from the traffic model: they need a window and a source with a destination.
      if (typeof args.startTime === 'string' && args.endTime === args.startTime) args.endTime = '2026-02-01T12:00:00Z';
      if (/DeliveryOverview|DeliveryMetrics/.test(op.operationId)) {
        Object.assign(sandbox.publicApi, seedStore(['sandbox-write-key'])); // earlier operations deleted them
        args.sourceId = 'src_web';
        if ('destinationConfigId' in args) args.destinationConfigId = 'dst_amplitude';
      }
      const dry = await app.executor.execute({ slug: op.slug, arguments: args, dryRun: true });
      const req = (dry.data as { requests: { method: string; url: string; headers: Record<string, string>; body?: unknown }[] }).requests[0]!;
      const res = await fetch(req.url, {
        method: req.method,
        headers: { ...req.headers, Authorization: `Bearer ${TOKEN}` },
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      });
      const body = await res.json();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const verdict = api.validateResponse(body, op.operationId, res.status);
      if (verdict.errors?.length) wrong.push(`${op.slug} ${res.status}: ${JSON.stringify(verdict.errors).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    // The validator does check: a wrong shape fails.
    expect(api.validateResponse({ data: { sources: 'none' } }, 'listSources', 200).errors?.length).toBeGreaterThan(0);
    // Generic answers succeed; only ids the sandbox does not hold give 404s.
    expect(statuses[200]! + (statuses[201] ?? 0)).toBeGreaterThan(190);
  }, 90_000); // some 300 operations, each dry-run, sent and validated: slow on a loaded machine

  it('answers 401 for a wrong token, 404 for an unknown route, 422 for a bad page size', async () => {
    const get = (path: string, token = TOKEN) => fetch(`${sandbox.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const unauthorized = await get('/sources', 'nope');
    expect(unauthorized.status).toBe(401);
    expect(api.validateResponse(await unauthorized.json(), 'listSources', 404).errors ?? []).toEqual([]);
    const missing = await get('/no-such-thing');
    expect(missing.status).toBe(404);
    const bad = await get('/sources?pagination[count]=0');
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ errors: [{ field: 'pagination.count' }] });
    const dotted = await get('/sources?pagination.count=1');
    expect(((await dotted.json()) as { data: { sources: unknown[] } }).data.sources).toHaveLength(1);
  });

  it('answers 429 with msBeforeNext while throttled', async () => {
    sandbox.publicApi.throttle = { count: 1, msBeforeNext: 1234 };
    const res = await fetch(`${sandbox.url}/`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(429);
    const body = await res.json();
    expect(body).toMatchObject({ errors: [{ data: { msBeforeNext: 1234 } }] });
    expect(api.validateResponse(body, 'getWorkspace', 429).errors ?? []).toEqual([]);
  });
});
