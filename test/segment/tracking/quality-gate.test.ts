import { describe, expect, it, vi } from 'vitest';
import { MessageGate } from '../../../src/quality/checker.js';
import { PlanCompiler } from '../../../src/quality/plan.js';
import type { PlanRule } from '../../../src/quality/types.js';
import { screen } from '../../../src/segment/tracking/quality-gate.js';

const gateFor = (rules: PlanRule[]) => {
  const compiled = new PlanCompiler().compile({ id: 'tp_1', name: 'Main', sourceId: 'src_1', rules });
  return new MessageGate({ ok: true, compiled }, { mode: 'block', naming: 'snake' });
};
const filling = { now: '2026-02-03T04:05:06.789Z', idPrefix: 'sr-00000000-0000-4000-8000-000000000000-' };
const message = { type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'o1' } };

describe('the quality gate of the delivery path', () => {
  it('checks the message as given (no copy) when no plan rule can see the fields the sender fills in', () => {
    const gate = gateFor([{ type: 'TRACK', key: 'Order Completed', version: 1, jsonSchema: { type: 'object', properties: { properties: { type: 'object', required: ['order_id'] } } } }]);
    const check = vi.spyOn(gate, 'check');
    expect(screen(gate, 3, 'track', message, filling)).toBeUndefined();
    expect(check.mock.calls[0]![2]).toBe(message);
  });

  it('checks the message as sent, with the very id and timestamp it will get, when a rule can see them', () => {
    const gate = gateFor([{ type: 'COMMON', version: 1, jsonSchema: { type: 'object', required: ['messageId', 'timestamp'], properties: { messageId: { pattern: '-3$' }, timestamp: { const: filling.now }, context: { required: ['library'] } } } }]);
    const check = vi.spyOn(gate, 'check');
    expect(screen(gate, 3, 'track', message, filling)).toBeUndefined();
    const seen = check.mock.calls[0]![2];
    expect(seen).toEqual({ ...message, messageId: `${filling.idPrefix}3`, timestamp: filling.now, context: { library: expect.objectContaining({ name: 'segment-router' }) } });
    expect(message).not.toHaveProperty('messageId');
    // A top-level additionalProperties rule sees the filled-in fields too, and keeps the message back in block mode.
    const strict = gateFor([{ type: 'COMMON', version: 1, jsonSchema: { type: 'object', additionalProperties: false, properties: { type: {}, userId: {}, event: {}, properties: {} } } }]);
    expect(screen(strict, 0, 'track', message, filling)?.issues.map((i) => i.field)).toEqual(expect.arrayContaining(['messageId', 'timestamp', 'context']));
  });
});

describe('the message as sent keeps its context\'s members', () => {
  it('a member named "__proto__" (JSON.parse keeps it, and it is sent as one) is checked where it is, as the others', () => {
    const gate = gateFor([{ type: 'COMMON', version: 1, jsonSchema: { type: 'object', properties: { context: { required: ['library'] } } } }]);
    expect(gate.needsAsSent).toBe(true);
    const given = JSON.parse('{"type":"track","userId":"u1","event":"Order Completed","context":{"__proto__":"reach me at ada@example.com"}}') as Record<string, unknown>;
    expect(screen(gate, 0, 'track', given, filling)).toBeUndefined();
    expect(gate.report()!.findings).toEqual([expect.objectContaining({ kind: 'pii', field: 'context.__proto__' })]);
  });
});
