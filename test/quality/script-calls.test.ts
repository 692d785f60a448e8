import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { appWithSandbox } from '../helpers/inprocess.js';

/**
 * Tracking calls made from inside RUN_SCRIPT take the executor's path, so they get the same findings
 * (--validate=warn) and the same blocking (--validate=block) as the same calls made directly.
 */

type Env = Awaited<ReturnType<typeof appWithSandbox>>;
const loadPlan = async (app: App) => app.quality.inspect(await app.planTarget(), [], 5_000);

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const good = { type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'o1', revenue: 10 } };
const planError = { type: 'track', userId: 'u2', event: 'Order Completed', properties: { revenue: 'ten' } };
const slips = { userId: 'u3', event: 'signed up', properties: { plan: 'pro', Referrer: 'ad', note: 'call +44 20 7946 0958' } };

describe('tracking calls from a script', () => {
  it('warn: sent, and the script reads the same findings a direct call gets', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'warn' });
    await loadPlan(env.app);
    const direct = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [good, planError] } });
    const r = await env.app.workbench.run({
      script: `
        const batch = await tools.call('SEGMENT_BATCH', { batch: ${JSON.stringify([good, planError])} });
        const track = await tools.call('SEGMENT_TRACK', ${JSON.stringify(slips)});
        return { batch: batch.findings, plan: batch.tracking_plan.status, accepted: batch.accepted, track: track.findings.map((f) => [f.kind, f.field, f.fix ?? null]) };`,
    });
    expect(r.error).toBeUndefined();
    const result = r.result as Record<string, any>;
    expect(result.plan).toBe('applied');
    expect(result.accepted).toBe(2);
    expect(result.batch).toEqual((direct.data as Record<string, any>).findings);
    expect(result.batch).toEqual([
      expect.objectContaining({ index: 1, severity: 'error', kind: 'tracking_plan', field: 'properties.order_id' }),
      expect.objectContaining({ index: 1, severity: 'error', kind: 'tracking_plan', field: 'properties.revenue' }),
    ]);
    expect(result.track).toEqual(expect.arrayContaining([['naming', 'event', 'Signed Up'], ['naming', 'properties.Referrer', 'referrer'], ['pii', 'properties.note', expect.any(String)]]));
    // Warnings never hold anything back: all five events (two direct, three from the script) reached Segment.
    expect(env.sandbox.events).toHaveLength(5);
  });

  it('block: a message that breaks the plan is not sent from a script either; the script sees why', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'block' });
    await loadPlan(env.app);
    const r = await env.app.workbench.run({
      script: `
        const out = {};
        try { await tools.call('SEGMENT_TRACK', ${JSON.stringify({ userId: 'u2', event: 'Order Completed', properties: { revenue: 'ten' } })}); out.track = 'sent'; }
        catch (e) { out.track = String(e.message); }
        try { await tools.call('SEGMENT_BATCH', { batch: ${JSON.stringify([good, planError])} }); out.batch = 'all sent'; }
        catch (e) { out.batch = String(e.message); }
        return out;`,
    });
    expect(r.error).toBeUndefined();
    const result = r.result as Record<string, string>;
    expect(result.track).toMatch(/breaks the tracking plan/);
    expect(result.batch).toMatch(/1 of 2 messages accepted; 1 rejected before sending/);
    // Only the good message of the batch went out; the blocked track call and the bad batch message did not.
    expect(env.sandbox.events.map((e) => e.userId)).toEqual(['u1']);
  });
});
