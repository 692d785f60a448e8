import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { appWithSandbox } from '../helpers/inprocess.js';

type Env = Awaited<ReturnType<typeof appWithSandbox>>;
type Data = Record<string, any>;

/** Loads the connection's plan and waits for it, as the server's start-up warm-up does in the background. */
const loadPlan = async (app: App) => app.quality.inspect(await app.planTarget(), [], 5_000);

const good = { type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'o1', revenue: 10 } };
const planError = { type: 'track', userId: 'u2', event: 'Order Completed', properties: { revenue: 'ten' } };
const namingOnly = { type: 'track', userId: 'u3', event: 'Signed Up', properties: { plan: 'pro', Referrer: 'ad' } };
const pii = { type: 'track', userId: 'u4', event: 'Signed Up', properties: { plan: 'pro', note: 'reach me at ada@example.com' } };
const planEvents = () => (env!.sandbox.requests.filter((r) => r.path.startsWith('/tracking-plans') || r.path.startsWith('/sources')));

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('--validate=warn (the default)', () => {
  it('sends every message and answers with the findings by index, kind and severity', async () => {
    env = await appWithSandbox({ write: 'allow' });
    expect(env.app.config.quality.mode).toBe('warn');
    await loadPlan(env.app);
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [good, planError, namingOnly, pii] } });
    expect(r.successful).toBe(true);
    const data = r.data as Data;
    expect(data.accepted).toBe(4);
    expect(env.sandbox.events).toHaveLength(4);
    expect(data.validate).toBe('warn');
    expect(data.tracking_plan).toMatchObject({ status: 'applied', id: 'tp_main', source_id: 'src_web' });
    expect(data.findings).toEqual([
      expect.objectContaining({ index: 1, severity: 'error', kind: 'tracking_plan', field: 'properties.order_id' }),
      expect.objectContaining({ index: 1, severity: 'error', kind: 'tracking_plan', field: 'properties.revenue' }),
      expect.objectContaining({ index: 2, severity: 'warning', kind: 'naming', field: 'properties.Referrer', fix: 'referrer' }),
      expect.objectContaining({ index: 3, severity: 'warning', kind: 'pii', field: 'properties.note' }),
    ]);
    expect(data.findings_summary).toMatchObject({ total: 4, errors: 2, warnings: 2, messages_with_errors: 1, by_kind: { tracking_plan: 2, naming: 1, pii: 1 } });
    expect(JSON.stringify(data)).not.toContain('ada@example.com');
  });

  it('a message\'s context is checked as sent when the call has a context too: a member named "__proto__" stays a member', async () => {
    env = await appWithSandbox({ write: 'allow' });
    const message = JSON.parse('{"type":"track","userId":"u5","event":"Signed Up","context":{"__proto__":"reach me at ada@example.com"}}') as Record<string, unknown>;
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [message], context: { locale: 'en-GB' } } });
    expect(r.successful).toBe(true);
    expect((r.data as Data).findings).toEqual([expect.objectContaining({ index: 0, kind: 'pii', field: 'context.__proto__' })]);
  });

  it('a single call carries its findings too, and a dry run shows them before anything is sent', async () => {
    env = await appWithSandbox({ write: 'allow' });
    await loadPlan(env.app);
    const { type: _t, ...single } = namingOnly;
    const dry = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: single, dryRun: true });
    expect((dry.data as Data).notes.findings).toEqual([expect.objectContaining({ index: 0, kind: 'naming', fix: 'referrer' })]);
    expect(env.sandbox.events).toHaveLength(0);
    const r = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: single });
    expect(r.successful).toBe(true);
    expect((r.data as Data).findings).toEqual([expect.objectContaining({ index: 0, kind: 'naming' })]);
  });
});

describe('--validate=block', () => {
  it('keeps back the messages with plan errors, reported by index like any rejected message; the rest go out', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block' });
    await loadPlan(env.app);
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [good, planError, namingOnly, pii] } });
    expect(r.successful).toBe(false);
    const data = r.data as Data;
    expect(data.accepted).toBe(3);
    expect(data.rejected_before_sending).toEqual([
      expect.objectContaining({ index: 1, reason: expect.stringContaining('breaks the tracking plan'), issues: [expect.objectContaining({ field: 'batch.1.properties.order_id' }), expect.objectContaining({ field: 'batch.1.properties.revenue' })] }),
    ]);
    expect(env.sandbox.events.map((e) => e.userId)).toEqual(['u1', 'u3', 'u4']);
    // Warnings (naming, PII) never keep a message back.
    expect(data.findings.map((f: Data) => f.kind)).toEqual(['tracking_plan', 'tracking_plan', 'naming', 'pii']);
    expect(r.error?.hint).toMatch(/rejected_before_sending/);
  });

  it('a single call with a plan error is not sent: a validation error with the findings', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block' });
    await loadPlan(env.app);
    const { type: _t, ...single } = planError;
    const r = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: single });
    expect(r.successful).toBe(false);
    expect(r.error).toMatchObject({ kind: 'validation', message: expect.stringContaining('breaks the tracking plan') });
    expect((r.data as Data).findings).toHaveLength(2);
    expect(env.sandbox.events).toHaveLength(0);
    // Warnings alone: sent.
    const { type: _n, ...warnOnly } = namingOnly;
    expect((await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: warnOnly })).successful).toBe(true);
  });

  it('a rule that asks for the fields the sender fills in (messageId, timestamp, context.library) sees them', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block' });
    // A newer version of the COMMON rule, asking for the fields the router fills in.
    env.sandbox.publicApi.planRules.tp_main!.push({ type: 'COMMON', version: 2, jsonSchema: { type: 'object', required: ['messageId', 'timestamp', 'context'], properties: { context: { type: 'object', required: ['library'] } } } });
    await loadPlan(env.app);
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [good] } });
    expect(r.successful).toBe(true);
    expect((r.data as Data).findings).toEqual([]);
    const { type: _t, ...single } = good;
    expect((await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: single })).successful).toBe(true);
  });

  it('a batch whose every message breaks the plan sends nothing', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block' });
    await loadPlan(env.app);
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError, planError] } });
    expect(r.error?.kind).toBe('validation');
    expect((r.data as Data).rejected_before_sending.map((x: Data) => x.index)).toEqual([0, 1]);
    expect(env.sandbox.events).toHaveLength(0);
  });
});

describe('--validate=off', () => {
  it('checks nothing, loads no plan, and answers as before', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'off' });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError, namingOnly, pii] } });
    expect(r.successful).toBe(true);
    const data = r.data as Data;
    expect(data.accepted).toBe(3);
    expect(data).not.toHaveProperty('findings');
    expect(data).not.toHaveProperty('tracking_plan');
    expect(planEvents()).toHaveLength(0);
  });
});

describe('no tracking plan available', () => {
  it('without a token: sent at once, naming and PII still checked, and the answer says why there is no plan', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block', envExtra: { SEGMENT_PUBLIC_API_TOKEN: '' } });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError, namingOnly] } });
    expect(r.successful).toBe(true);
    const data = r.data as Data;
    expect(data.tracking_plan).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^no tracking plan available: no Public API token/) });
    expect(data.findings).toEqual([expect.objectContaining({ index: 1, kind: 'naming' })]);
    expect(planEvents()).toHaveLength(0);
  });

  it('with the Public API failing: sent, never blocked, and the plan is tried again later', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block', envExtra: { SEGMENT_ROUTER_MAX_RETRIES: '0' } });
    env.sandbox.faults.add({ path: '/sources', status: 503, times: 5 });
    const report = await loadPlan(env.app);
    expect(report.tracking_plan).toEqual({ status: 'unavailable', reason: expect.stringContaining('HTTP 503') });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError] } });
    expect(r.successful).toBe(true);
    expect(env.sandbox.events).toHaveLength(1);
  });

  it('with a Public API that does not answer: the send does not wait for it', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block' });
    env.sandbox.faults.add({ path: '/sources', delayMs: 60_000, status: 200 });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError] } });
    // Answered while the plan's first request, if it arrived at all, is still unanswered.
    expect(env.sandbox.requests.filter((q) => q.path === '/sources' && q.status !== 0)).toEqual([]);
    expect(r.successful).toBe(true);
    expect((r.data as Data).tracking_plan.reason).toMatch(/^no tracking plan available yet/);
    expect(env.sandbox.events).toHaveLength(1);
  });

  it('a dry run or a call the write policy refuses never reaches the network, the plan included', async () => {
    env = await appWithSandbox({ write: 'deny' });
    const { type: _t, ...single } = good;
    expect((await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: single })).error?.kind).toBe('policy');
    const dry = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [good, namingOnly] }, dryRun: true });
    expect((dry.data as Data).notes.tracking_plan.reason).toMatch(/^no tracking plan available yet/);
    expect((dry.data as Data).notes.findings).toHaveLength(1);
    expect(env.sandbox.requests).toEqual([]);
  });

  it('the first send loads the plan in the background; the calls after it are checked against it', async () => {
    env = await appWithSandbox({ write: 'allow' });
    const first = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError] } });
    expect((first.data as Data).tracking_plan.status).toBe('unavailable');
    await expect.poll(async () => ((await env!.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError] }, dryRun: true })).data as Data).notes.tracking_plan.status).toBe('applied');
    const next = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [planError] } });
    expect((next.data as Data).findings_summary.errors).toBe(2);
  });

  it('a source without a plan says so', async () => {
    env = await appWithSandbox({ write: 'deny' });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_VALIDATE_EVENTS', arguments: { messages: [good], source_id: 'src_ios' } });
    expect((r.data as Data).tracking_plan).toEqual({ status: 'unavailable', reason: expect.stringContaining('has no tracking plan connected'), no_plan: true });
  });
});

describe('SEGMENT_VALIDATE_EVENTS', () => {
  it('checks without sending, under --write=deny, waiting for the plan it needs', async () => {
    env = await appWithSandbox({ write: 'deny' });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_VALIDATE_EVENTS', arguments: { messages: [good, planError, { type: 'track', event: 'No One' }, namingOnly] } });
    expect(r.successful).toBe(true);
    const data = r.data as Data;
    expect(data).toMatchObject({ sent: false, messages: 4, messages_checked: 3, tracking_plan: { status: 'applied', id: 'tp_main' } });
    expect(data.findings.map((f: Data) => [f.index, f.kind, f.field])).toEqual([
      [1, 'tracking_plan', 'properties.order_id'],
      [1, 'tracking_plan', 'properties.revenue'],
      [3, 'naming', 'properties.Referrer'],
    ]);
    expect(data.invalid_messages).toEqual([expect.objectContaining({ index: 2, reason: expect.stringContaining('userId') })]);
    expect(env.sandbox.events).toHaveLength(0);
    expect(env.sandbox.requests.filter((q) => q.path.startsWith('/v1/'))).toHaveLength(0);
  });

  it('works with no credentials at all: naming and PII, and why there is no plan', async () => {
    env = await appWithSandbox({ write: 'deny', envExtra: { SEGMENT_PUBLIC_API_TOKEN: '', SEGMENT_WRITE_KEY: '' } });
    const r = await env.app.executor.execute({ slug: 'SEGMENT_VALIDATE_EVENTS', arguments: { messages: [pii, namingOnly] } });
    expect(r.successful).toBe(true);
    const data = r.data as Data;
    expect(data.tracking_plan.status).toBe('unavailable');
    expect(data.findings.map((f: Data) => f.kind)).toEqual(['pii', 'naming']);
  });

  it('checks every type against its rule: identify, group, page, screen and the common rule', async () => {
    env = await appWithSandbox({ write: 'deny' });
    const messages = [
      { type: 'identify', userId: 'u1', traits: { email: 'ada@example.com', plan: 'gold' } },
      { type: 'group', userId: 'u1', groupId: 'g1', traits: {} },
      { type: 'page', userId: 'u1', properties: { url: 'not a url' } },
      { type: 'screen', userId: 'u1' },
      { type: 'alias', previousId: 'a1', userId: 'u1', context: { locale: 'EN_us' } },
    ];
    const data = (await env.app.executor.execute({ slug: 'SEGMENT_VALIDATE_EVENTS', arguments: { messages } })).data as Data;
    expect(data.findings.map((f: Data) => [f.index, f.rule, f.field])).toEqual([
      [0, 'IDENTIFY v1', 'traits.plan'],
      [1, 'GROUP v1', 'traits.name'],
      [2, 'PAGE v1', 'properties.url'],
      [3, 'SCREEN v1', 'name'],
      [4, 'COMMON v1', 'context.locale'],
    ]);
  });
});
