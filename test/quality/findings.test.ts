import { describe, expect, it, vi } from 'vitest';
import { MAX_FINDINGS_LISTED, MessageGate } from '../../src/quality/checker.js';
import { Findings } from '../../src/quality/findings.js';
import { PlanCompiler } from '../../src/quality/plan.js';
import type { Finding, PlanRule } from '../../src/quality/types.js';

const warning = (index: number): Finding => ({ index, severity: 'warning', kind: 'naming', field: 'event', message: `warning ${index}` });
const error = (index: number): Finding => ({ index, severity: 'error', kind: 'tracking_plan', field: 'properties.order_id', message: `error ${index}` });

/** Reports a finding as the checks do: counted, built only when wanted. Answers whether it was built. */
function report(out: Findings, f: Finding): boolean {
  if (!out.wants(f.kind, f.severity)) return false;
  out.push(f);
  return true;
}

const RULES: PlanRule[] = [{ type: 'TRACK', key: 'Order Completed', version: 1, jsonSchema: { type: 'object', properties: { properties: { type: 'object', required: ['order_id'] } } } }];
const gate = (mode: 'warn' | 'block') => new MessageGate({ ok: true, compiled: new PlanCompiler().compile({ id: 'tp_1', name: 'Main', sourceId: 'src_1', rules: RULES }) }, { mode, naming: 'snake' });
/** A naming slip (a key) and, every third message, a plan error (no order_id). */
const message = (i: number) => ({ type: 'track', event: 'Order Completed', properties: i % 3 ? { order_id: `o${i}`, CouponCode: 'x' } : { CouponCode: 'x' } });

describe('findings: every one counted, only those shown built', () => {
  it('builds the first `limit` and counts the rest by kind and severity', () => {
    const out = new Findings(2);
    expect([warning(0), error(1), warning(2), error(3)].map((f) => report(out, f))).toEqual([true, true, false, false]);
    expect(out.listed.map((f) => f.message)).toEqual(['warning 0', 'error 1']);
    expect({ total: out.total, errors: out.errors, byKind: out.byKind }).toEqual({ total: 4, errors: 2, byKind: { tracking_plan: 2, naming: 2, pii: 0 } });
  });

  it('under keepErrors (block mode) builds every error, past the limit too, without listing it', () => {
    const out = new Findings(1, true);
    expect([warning(0), warning(1), error(2)].map((f) => report(out, f))).toEqual([true, false, true]);
    expect(out.listed.map((f) => f.message)).toEqual(['warning 0']);
    expect(out.recentErrors.map((f) => f.message)).toEqual(['error 2']);
    out.clearErrors();
    expect(out.recentErrors).toEqual([]);
  });

  it('a gate builds only the findings its answer lists; the summary counts them all', () => {
    const push = vi.spyOn(Findings.prototype, 'push');
    const g = gate('warn');
    for (let i = 0; i < 300; i++) expect(g.check(i, 'track', message(i))).toEqual([]);
    const report = g.report()!;
    expect(push).toHaveBeenCalledTimes(MAX_FINDINGS_LISTED);
    expect(report.findings).toHaveLength(MAX_FINDINGS_LISTED);
    expect(report.findings[0]).toMatchObject({ index: 0, kind: 'tracking_plan', field: 'properties.order_id' });
    expect(report.findings.at(-1)!.index).toBe(149);
    expect(report.findings_summary).toEqual({ total: 400, errors: 100, warnings: 300, by_kind: { tracking_plan: 100, naming: 300, pii: 0 }, messages_with_errors: 100, listed: MAX_FINDINGS_LISTED });
    push.mockRestore();
  });

  it('block mode still says why each message past the listed ones is kept back', () => {
    const g = gate('block');
    for (let i = 0; i < 300; i++) g.check(i, 'track', message(i));
    expect(g.check(300, 'track', message(300)).map((f) => f.message)).toEqual(['properties.order_id is required by the tracking plan (TRACK "Order Completed" v1)']);
    expect(g.check(301, 'track', message(301))).toEqual([]);
    expect(g.report()!.findings_summary).toMatchObject({ total: 403, errors: 101, messages_with_errors: 101, listed: MAX_FINDINGS_LISTED });
  });
});
