import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.js';
import { operationIndex, operationInput } from '../../../src/segment/public-api/catalog.js';
import { MEDIA_PREFERENCE } from '../../../scripts/public-api/rules.mjs';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import { argumentsFor, type Variant } from '../../helpers/public-api/arguments.js';
import { committedDescription, originalDescriptionPath } from '../../helpers/public-api/description.js';
import { createValidator } from '../../helpers/public-api/validator.js';
import { readFileSync } from 'node:fs';

/**
 * For every Public API tool: generated valid arguments, dry-run through the Executor, and the
 * request it would send validated against the OpenAPI description by openapi-backend (method,
 * path, query, security header, body for the media type sent); Accept and Content-Type checked
 * against what the operation declares. Invalid arguments are refused before any request.
 */
const TOKEN = 'sgp_contract_token_0123456789';
const ops = operationIndex().operations;

let app: App;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ tokens: [TOKEN] });
  app = createApp({ write: 'allow', allowDestructive: true, logLevel: 'silent', env: { SEGMENT_PUBLIC_API_TOKEN: TOKEN, SEGMENT_PUBLIC_API_URL: sandbox.url } });
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});

async function dryRun(slug: string, args: Record<string, unknown>) {
  const r = await app.executor.execute({ slug, arguments: args, dryRun: true });
  expect(r.error, `${slug} ${JSON.stringify(args)}`).toBeUndefined();
  return (r.data as { requests: { method: string; url: string; headers: Record<string, string>; body?: unknown }[] }).requests;
}

const descriptions: [string, () => Record<string, any>][] = [['committed prose-free description', committedDescription]];
const original = originalDescriptionPath();
if (original) descriptions.push(['original description', () => JSON.parse(readFileSync(original, 'utf8'))]);

describe.each(descriptions)('every tool against the %s', (_, load) => {
  let validator: Awaited<ReturnType<typeof createValidator>>;
  beforeAll(async () => {
    // Compiling 201 operations takes seconds: one validator serves both argument variants.
    const bodyTypes = Object.fromEntries(ops.filter((o) => o.contentType).map((o) => [o.operationId, o.contentType!]));
    validator = await createValidator(load(), bodyTypes, TOKEN);
  }, 120_000);

  it('covers all 201 operations', () => {
    expect(ops).toHaveLength(201);
  });

  it('is not a rubber stamp: broken requests fail validation', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}`, Accept: 'application/vnd.segment.v1+json' };
    const base = 'https://api.segmentapis.com';
    const bad = [
      { method: 'GET', url: `${base}/sources`, headers: { Accept: auth.Accept } },
      { method: 'GET', url: `${base}/sources?pagination[count]=many`, headers: auth },
      { method: 'GET', url: `${base}/functions`, headers: auth },
      { method: 'GET', url: `${base}/tracking-plans?type=NOPE`, headers: auth },
      { method: 'PUT', url: `${base}/sources/src_1`, headers: auth },
      { method: 'POST', url: `${base}/tracking-plans`, headers: { ...auth, 'Content-Type': 'application/vnd.segment.v1+json' }, body: { name: 'no type' } },
      { method: 'PATCH', url: `${base}/sources/src_1`, headers: { ...auth, 'Content-Type': 'application/vnd.segment.v1+json' }, body: { enabled: 'yes' } },
    ];
    for (const req of bad) expect((await validator.check(req)).problems, `${req.method} ${req.url}`).not.toEqual([]);
    expect((await validator.check({ method: 'GET', url: `${base}/sources?pagination[count]=5`, headers: auth })).problems).toEqual([]);
  });

  it.each(['minimal', 'full'] as Variant[])('%s arguments give requests the description accepts', async (variant) => {
    // The dry run never reaches the network: the sandbox must not see a single request.
    const before = sandbox.requests.length;
    const planned = [];
    for (const op of ops) {
      const input = operationInput(op.operationId);
      const args = argumentsFor(input.inputSchema, input.plan.path, variant);
      const requests = await dryRun(op.slug, args);
      expect(requests).toHaveLength(1);
      planned.push({ op, request: requests[0]! });
    }
    expect(sandbox.requests.length).toBe(before);

    const failures: string[] = [];
    for (const { op, request } of planned) {
      // The dry run masks the token; put the real one back for the security check.
      const headers = { ...request.headers, Authorization: `Bearer ${TOKEN}` };
      const verdict = await validator.check({ ...request, headers });
      const declared = validator.declared(op.operationId);
      const problems = [...verdict.problems];
      if (verdict.operationId !== op.operationId) problems.push(`matched ${verdict.operationId ?? 'nothing'}`);
      const best = MEDIA_PREFERENCE.find((m: string) => declared.responses.includes(m));
      if (headers.Accept !== best) problems.push(`Accept ${headers.Accept}, best offered ${best}`);
      if (declared.body.length) {
        const ct = headers['Content-Type'];
        if (!ct || !declared.body.includes(ct)) problems.push(`Content-Type ${ct} not among ${declared.body.join(', ')}`);
        else if (ct !== op.contentType) problems.push(`Content-Type ${ct}, but the body was validated for ${op.contentType}`);
        else if (declared.body.includes(headers.Accept!) && ct !== headers.Accept) problems.push(`Content-Type ${ct} does not match Accept ${headers.Accept}`);
      } else if (request.body !== undefined) {
        problems.push('sends a body the operation does not take');
      }
      if (problems.length) failures.push(`${op.slug} ${request.method} ${request.url}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('invalid arguments are refused before any request', () => {
  it('for every tool', async () => {
    const before = sandbox.requests.length;
    const accepted: string[] = [];
    for (const op of ops) {
      const input = operationInput(op.operationId);
      const required: string[] = (input.inputSchema.required as string[] | undefined) ?? [];
      const args = argumentsFor(input.inputSchema, input.plan.path, 'minimal');
      // Drop a required field when there is one; otherwise add a field the tool does not have.
      if (required.length) delete args[required[0]!];
      else args.no_such_field = true;
      const r = await app.executor.execute({ slug: op.slug, arguments: args });
      if (r.successful || r.error?.kind !== 'validation') accepted.push(`${op.slug}: ${JSON.stringify(r.error ?? r.data).slice(0, 120)}`);
    }
    expect(accepted).toEqual([]);
    expect(sandbox.requests.length).toBe(before);
  });

  it('wrong types and bad enum values name the field', async () => {
    const r = await app.executor.execute({ slug: 'SEGMENT_CREATE_TRACKING_PLAN', arguments: { name: 'Plan', type: 'NOT_A_TYPE' } });
    expect(r.error?.kind).toBe('validation');
    expect(r.error?.message).toContain('type');
    const r2 = await app.executor.execute({ slug: 'SEGMENT_LIST_SOURCES', arguments: { pagination: { count: 5000 } } });
    expect(r2.error?.message).toContain('pagination.count');
    const r3 = await app.executor.execute({ slug: 'SEGMENT_GET_SOURCE', arguments: { sourceId: '..' } });
    expect(r3.error?.kind).toBe('validation');
    // Noticed in the review of 2026-12-07: an id of spaces was sent, and a 100 KB id came back as a bare 431.
    const r4 = await app.executor.execute({ slug: 'SEGMENT_GET_SOURCE', arguments: { sourceId: '   ' } });
    expect(r4.error).toMatchObject({ kind: 'validation' });
    expect(r4.error?.message).toMatch(/sourceId: .*only spaces/);
    const r5 = await app.executor.execute({ slug: 'SEGMENT_GET_SOURCE', arguments: { sourceId: 'x'.repeat(100_000) } });
    expect(r5.error).toMatchObject({ kind: 'validation' });
    expect(r5.error?.message).toMatch(/sourceId: .*100000 characters/);
    expect(r5.error!.message.length).toBeLessThan(600);
    expect(sandbox.requests).toHaveLength(0);
  });
});
