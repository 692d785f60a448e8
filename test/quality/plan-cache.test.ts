import { describe, expect, it } from 'vitest';
import { PlanCache } from '../../src/quality/plan-cache.js';
import type { LoadedPlan, PlanLookup, PlanTarget } from '../../src/quality/types.js';

const target: PlanTarget = { region: 'us', writeKey: 'wk', token: 'tok' };
const plan = (version = 1): LoadedPlan => ({ id: 'tp_1', sourceId: 'src_1', rules: [{ type: 'TRACK', key: 'Signed Up', version, jsonSchema: { type: 'object' } }] });

/** A loader the test answers by hand, counting calls. */
function manualLoader() {
  const pending: ((l: PlanLookup) => void)[] = [];
  const loader = (_t: PlanTarget) => new Promise<PlanLookup>((resolve) => pending.push(resolve));
  Object.defineProperty(loader, 'calls', { get: () => pending.length });
  return Object.assign(loader, { pending }) as typeof loader & { pending: typeof pending; readonly calls: number };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('the tracking plan cache', () => {
  it('peek never waits and never loads; warm loads in the background, once at a time', async () => {
    const load = manualLoader();
    const cache = new PlanCache({ load });
    expect(cache.peek(target)).toMatchObject({ ok: false, reason: expect.stringMatching(/^no tracking plan available yet/) });
    expect(load.calls).toBe(0);
    cache.warm(target);
    expect(load.calls).toBe(1);
    cache.warm(target); // a load in flight is not started twice
    expect(cache.peek(target).ok).toBe(false);
    expect(load.calls).toBe(1);
    load.pending[0]!({ ok: true, plan: plan() });
    await tick();
    expect(cache.peek(target)).toMatchObject({ ok: true, compiled: { plan: { id: 'tp_1' } } });
  });

  it('without a token there is nothing to load: the answer says so at once and the loader is not called', async () => {
    const load = manualLoader();
    const cache = new PlanCache({ load });
    cache.warm({ region: 'us', writeKey: 'wk' });
    expect(cache.peek({ region: 'us', writeKey: 'wk' })).toEqual({ ok: false, reason: expect.stringMatching(/^no tracking plan available: no Public API token/) });
    expect(await cache.get({ region: 'us', writeKey: 'wk' }, 1_000)).toMatchObject({ ok: false });
    expect(load.calls).toBe(0);
  });

  it('a loader that never answers holds up nothing', () => {
    const cache = new PlanCache({ load: () => new Promise(() => {}) });
    for (let i = 0; i < 3; i++) {
      cache.warm(target);
      expect(cache.peek(target).ok).toBe(false);
    }
  });

  it('keeps a plan for the TTL, then serves it while a refresh runs in the background', async () => {
    let now = 0;
    const load = manualLoader();
    const cache = new PlanCache({ load, ttlMs: 1_000, now: () => now });
    cache.warm(target);
    load.pending[0]!({ ok: true, plan: plan(1) });
    await tick();
    now = 999;
    cache.warm(target);
    expect(load.calls).toBe(1);
    now = 1_000;
    cache.warm(target);
    expect(cache.peek(target)).toMatchObject({ ok: true });
    expect(load.calls).toBe(2);
    load.pending[1]!({ ok: true, plan: plan(2) });
    await tick();
    const fresh = cache.peek(target);
    expect(fresh.ok && fresh.compiled.plan.rules[0]!.version).toBe(2);
  });

  it('an API failure keeps the plan it had and tries again sooner; a definite "no plan" replaces it', async () => {
    let now = 0;
    const load = manualLoader();
    const errors: string[] = [];
    const cache = new PlanCache({ load, ttlMs: 1_000, retryMs: 100, now: () => now, onError: (m) => errors.push(m) });
    cache.warm(target);
    load.pending[0]!({ ok: true, plan: plan() });
    await tick();
    now = 1_000;
    cache.warm(target);
    load.pending[1]!({ ok: false, reason: 'HTTP 503', transient: true });
    await tick();
    expect(cache.peek(target).ok).toBe(true);
    expect(errors).toEqual(['HTTP 503']);
    now = 1_099;
    cache.warm(target);
    expect(load.calls).toBe(2);
    now = 1_100;
    cache.warm(target);
    expect(load.calls).toBe(3);
    load.pending[2]!({ ok: false, reason: 'the source has no tracking plan connected' });
    await tick();
    expect(cache.peek(target)).toEqual({ ok: false, reason: 'no tracking plan available: the source has no tracking plan connected' });
  });

  it('a loader that throws counts as an unreachable API, not a crash', async () => {
    const cache = new PlanCache({ load: async () => { throw new Error('socket hang up'); } });
    expect(await cache.get(target, 1_000)).toMatchObject({ ok: false, reason: expect.stringContaining('socket hang up') });
  });

  it('get waits for the load, at most the time it is given', async () => {
    const load = manualLoader();
    const cache = new PlanCache({ load });
    const waiting = cache.get(target, 5_000);
    await tick();
    load.pending[0]!({ ok: true, plan: plan() });
    expect(await waiting).toMatchObject({ ok: true });
    const slow = new PlanCache({ load: () => new Promise(() => {}) });
    expect(await slow.get(target, 20)).toMatchObject({ ok: false, reason: expect.stringMatching(/^no tracking plan available/) });
  });

  it('plans are kept per connection and source', async () => {
    const seen: PlanTarget[] = [];
    const cache = new PlanCache({ load: async (t) => (seen.push(t), { ok: true, plan: { ...plan(), sourceId: t.sourceId ?? 'by-key' } }) });
    const a = await cache.get(target, 1_000);
    const b = await cache.get({ ...target, sourceId: 'src_9' }, 1_000);
    expect(a.ok && a.compiled.plan.sourceId).toBe('by-key');
    expect(b.ok && b.compiled.plan.sourceId).toBe('src_9');
    expect(seen).toHaveLength(2);
  });
});
