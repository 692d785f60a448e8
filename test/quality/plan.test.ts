import { describe, expect, it, vi } from 'vitest';
import { checkPlan, PlanCompiler } from '../../src/quality/plan.js';
import { Findings } from '../../src/quality/findings.js';
import type { LoadedPlan, PlanRule } from '../../src/quality/types.js';

/** A rule's schema in Segment's form: it describes the whole message. */
const msg = (part: 'properties' | 'traits', shape: Record<string, unknown>, required: string[] = [], extra: Record<string, unknown> = {}) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { [part]: { type: 'object', properties: shape, ...(required.length ? { required } : {}), ...extra } },
  ...(required.length ? { required: [part] } : {}),
});

const RULES: PlanRule[] = [
  { type: 'TRACK', key: 'Order Completed', version: 2, jsonSchema: msg('properties', { order_id: { type: 'string' }, revenue: { type: 'number' }, currency: { enum: ['USD', 'EUR'] } }, ['order_id'], { additionalProperties: false }) },
  { type: 'TRACK', key: 'Order Completed', version: 1, jsonSchema: msg('properties', {}, ['legacy_id']) },
  { type: 'TRACK', key: 'Signed Up', version: 1, jsonSchema: msg('properties', { plan: { type: 'string' } }, ['plan']) },
  { type: 'TRACK', key: 'Old Event', version: 1, deprecatedAt: '2026-01-01T00:00:00Z', jsonSchema: msg('properties', {}, ['never']) },
  { type: 'IDENTIFY', version: 1, jsonSchema: msg('traits', { email: { type: 'string', format: 'email' }, age: { type: 'integer' } }) },
  { type: 'GROUP', version: 1, jsonSchema: msg('traits', { name: { type: 'string' } }, ['name']) },
  { type: 'PAGE', version: 1, jsonSchema: msg('properties', { path: { type: 'string' } }, ['path']) },
  { type: 'PAGE', key: 'Pricing', version: 1, jsonSchema: msg('properties', { plan_shown: { type: 'string' } }, ['plan_shown']) },
  { type: 'SCREEN', version: 1, jsonSchema: { type: 'object', required: ['name'] } },
  { type: 'COMMON', version: 1, jsonSchema: { type: 'object', properties: { context: { type: 'object', properties: { locale: { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$' } } } } } },
];

const plan = (rules = RULES): LoadedPlan => ({ id: 'tp_1', name: 'Main', sourceId: 'src_1', rules });

function check(type: string, message: Record<string, unknown>, compiled = new PlanCompiler().compile(plan())) {
  const out = new Findings();
  checkPlan(compiled, type, message, 4, out);
  return out.listed;
}

describe('tracking plan rules', () => {
  it('TRACK: the rule of the event name applies (its newest live version); the message passes when it fits', () => {
    expect(check('track', { event: 'Order Completed', properties: { order_id: 'o1', revenue: 10, currency: 'USD' } })).toEqual([]);
    expect(check('track', { event: 'Signed Up', properties: { plan: 'pro' } })).toEqual([]);
  });

  it('required properties: each missing one is an error with its path, the rule and the fix', () => {
    expect(check('track', { event: 'Order Completed', properties: { revenue: 1 } })).toEqual([
      { index: 4, severity: 'error', kind: 'tracking_plan', rule: 'TRACK "Order Completed" v2', field: 'properties.order_id', message: expect.stringContaining('required'), fix: 'add properties.order_id' },
    ]);
    // No properties at all: the rule requires the object itself.
    expect(check('track', { event: 'Signed Up' })).toEqual([expect.objectContaining({ field: 'properties', fix: 'add properties' })]);
  });

  it('wrong types name the type wanted, never the value sent', () => {
    const found = check('track', { event: 'Order Completed', properties: { order_id: 42, revenue: 'ten dollars' } });
    expect(found.map((f) => [f.field, f.fix])).toEqual([
      ['properties.order_id', 'send properties.order_id as string'],
      ['properties.revenue', 'send properties.revenue as number'],
    ]);
    expect(JSON.stringify(found)).not.toContain('ten dollars');
  });

  it('enums list the allowed values', () => {
    const [f] = check('track', { event: 'Order Completed', properties: { order_id: 'o1', currency: 'usd' } });
    expect(f).toMatchObject({ field: 'properties.currency', fix: 'use one of "USD", "EUR"' });
  });

  it('additionalProperties: a property the plan does not have is an error naming it', () => {
    const [f] = check('track', { event: 'Order Completed', properties: { order_id: 'o1', discount_code: 'X' } });
    expect(f).toMatchObject({ field: 'properties.discount_code', severity: 'error', fix: 'remove properties.discount_code, or add it to the plan' });
  });

  it('an event the plan does not list is a warning, with the planned name when it is the same event written another way', () => {
    expect(check('track', { event: 'Coupon Applied' })).toEqual([expect.objectContaining({ severity: 'warning', kind: 'tracking_plan', field: 'event' })]);
    expect(check('track', { event: 'order_completed' })[0]).toMatchObject({ fix: 'Order Completed' });
  });

  it('deprecated rules and older versions are not applied', () => {
    expect(check('track', { event: 'Order Completed', properties: { order_id: 'o1' } })).toEqual([]);
    expect(check('track', { event: 'Old Event' })).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('not in the tracking plan') })]);
  });

  it('IDENTIFY applies to every identify: formats and integer types', () => {
    expect(check('identify', { traits: { email: 'ada@example.com', age: 36 } })).toEqual([]);
    expect(check('identify', { traits: { email: 'not an address', age: 36.5 } }).map((f) => f.field)).toEqual(['traits.email', 'traits.age']);
  });

  it('GROUP applies to every group call', () => {
    expect(check('group', { groupId: 'g1', traits: { name: 'Acme' } })).toEqual([]);
    expect(check('group', { groupId: 'g1', traits: {} })).toEqual([expect.objectContaining({ field: 'traits.name', rule: 'GROUP v1' })]);
  });

  it('PAGE: the unnamed rule applies to every page, a named rule to the page of that name as well', () => {
    expect(check('page', { name: 'Docs', properties: { path: '/docs' } })).toEqual([]);
    expect(check('page', { name: 'Pricing', properties: { path: '/pricing' } })).toEqual([expect.objectContaining({ field: 'properties.plan_shown', rule: 'PAGE "Pricing" v1' })]);
  });

  it('SCREEN applies to screens', () => {
    expect(check('screen', { name: 'Cart' })).toEqual([]);
    expect(check('screen', {})).toEqual([expect.objectContaining({ field: 'name', rule: 'SCREEN v1' })]);
  });

  it('COMMON applies to every message, alias included', () => {
    for (const [type, m] of [['track', { event: 'Signed Up', properties: { plan: 'pro' } }], ['identify', {}], ['alias', { previousId: 'a', userId: 'b' }]] as const) {
      expect(check(type, { ...m, context: { locale: 'en-US' } }), type).toEqual([]);
      expect(check(type, { ...m, context: { locale: 'English' } }), type).toEqual([expect.objectContaining({ field: 'context.locale', rule: 'COMMON v1' })]);
    }
  });

  it('compiles each rule once per version: a refresh with the same versions compiles nothing, a new version compiles one', () => {
    const compiler = new PlanCompiler();
    const spy = vi.spyOn((compiler as unknown as { ajv: { compile: (s: object) => unknown } }).ajv, 'compile');
    compiler.compile(plan());
    const first = spy.mock.calls.length;
    expect(first).toBe(RULES.filter((r) => !r.deprecatedAt).length - 1); // v1 of Order Completed is superseded
    compiler.compile(plan(structuredClone(RULES)));
    expect(spy.mock.calls.length).toBe(first);
    const bumped = structuredClone(RULES);
    bumped[2] = { ...bumped[2]!, version: 2, jsonSchema: msg('properties', { plan: { type: 'string' } }, []) };
    const compiled = compiler.compile(plan(bumped));
    expect(spy.mock.calls.length).toBe(first + 1);
    expect(check('track', { event: 'Signed Up', properties: {} }, compiled)).toEqual([]);
  });

  it('a rule whose schema does not compile is skipped and named; the others still apply', () => {
    const compiled = new PlanCompiler().compile(plan([...RULES, { type: 'TRACK', key: 'Broken', version: 1, jsonSchema: { type: 'object', properties: { x: { type: 'no-such-type' } } } }]));
    expect(compiled.skipped).toEqual([expect.stringContaining('TRACK "Broken" v1')]);
    expect(check('track', { event: 'Signed Up' }, compiled)).toHaveLength(1);
  });
});

describe('which rules can tell a message as given from the message as sent', () => {
  const given = { type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'o1' } };
  const sent = { ...given, messageId: 'sr-1', timestamp: '2026-01-01T00:00:00.000Z', context: { library: { name: 'segment-router', version: '1' } } };
  const schemas: { schema: Record<string, unknown>; sees: boolean }[] = [
    { schema: msg('properties', { order_id: { type: 'string' } }, ['order_id']), sees: false },
    { schema: { type: 'object', properties: { context: { type: 'object', properties: { locale: { type: 'string' } } } } }, sees: false },
    { schema: { type: 'object', required: ['messageId'] }, sees: true },
    { schema: { type: 'object', properties: { timestamp: { type: 'string', format: 'date-time' } } }, sees: true },
    { schema: { type: 'object', properties: { context: { type: 'object', required: ['library'] } } }, sees: true },
    { schema: { type: 'object', required: ['context'] }, sees: true },
    { schema: { type: 'object', properties: { context: false } }, sees: true },
    { schema: { type: 'object', additionalProperties: false, properties: { type: {}, userId: {}, event: {}, properties: {} } }, sees: true },
    { schema: { type: 'object', properties: { context: { type: 'object', maxProperties: 0 } } }, sees: true },
    { schema: { type: 'object', maxProperties: 4 }, sees: true },
    { schema: { type: 'object', allOf: [{ required: ['messageId'] }] }, sees: true },
  ];

  it('says yes for every rule that judges the two differently, and no for the ordinary ones', () => {
    for (const { schema, sees } of schemas) {
      const compiled = new PlanCompiler().compile(plan([{ type: 'COMMON', version: 1, jsonSchema: schema }]));
      expect(compiled.seesFilledIn, JSON.stringify(schema)).toBe(sees);
      // Where it says no, the verdicts agree: checking the message as given loses nothing.
      if (!sees) expect(check('track', given, compiled)).toEqual(check('track', sent, compiled));
    }
    // Where the rule does see them, the two really differ for some message.
    const differ = schemas.filter((s) => s.sees).filter(({ schema }) => {
      const compiled = new PlanCompiler().compile(plan([{ type: 'COMMON', version: 1, jsonSchema: schema }]));
      return JSON.stringify(check('track', given, compiled)) !== JSON.stringify(check('track', sent, compiled));
    });
    expect(differ.length).toBeGreaterThanOrEqual(7);
  });

  it('one such rule is enough for the whole plan', () => {
    expect(new PlanCompiler().compile(plan()).seesFilledIn).toBe(false);
    expect(new PlanCompiler().compile(plan([...RULES, { type: 'TRACK', key: 'Signed Up', version: 2, jsonSchema: { type: 'object', required: ['timestamp'] } }])).seesFilledIn).toBe(true);
  });
});
