import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFastCheck } from '../../../src/segment/tracking/fast-check.js';
import { batchItemSchema, validateBatchItem } from '../../../src/segment/tracking/schemas.js';

const fast = compileFastCheck(batchItemSchema);

/** Values shaped like batch messages, right and wrong in every way the schema cares about. */
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.constant(''), fc.string({ minLength: 195, maxLength: 205 }), fc.constant('😀'.repeat(600)), fc.constant('x'.repeat(1025)));
const timestamp = fc.oneof(fc.constant('2026-01-31T12:00:00Z'), fc.constant('2026-01-31T13:00:00.123+01:00'), fc.constant('2026-01-31T12:00:00'), fc.constant('2026-02-30T12:00:00Z'), fc.constant('2024-02-29T00:00:00Z'), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), text);
const leaf = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const anyValue = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(text, leaf, { maxKeys: 3 }));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const context = fc.oneof(
  fc.dictionary(fc.constantFrom('ip', 'locale', 'timezone', 'userAgent', 'groupId', 'custom'), fc.oneof(text, anyValue)),
  fc.record({ app: maybe(fc.record({ name: maybe(text), build: maybe(fc.oneof(text, fc.integer())) })), location: maybe(fc.record({ latitude: maybe(fc.oneof(fc.double(), text)), city: maybe(text) })), traits: maybe(fc.oneof(fc.dictionary(text, anyValue), fc.array(leaf), text)), active: maybe(fc.oneof(fc.boolean(), text)), library: maybe(fc.oneof(fc.record({ name: text }), text)) }),
  anyValue,
);
/** Mostly right, sometimes wrong: so both sides of the schema are reached. */
const mostly = <T, U>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong });
const id = mostly(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(text, fc.integer(), fc.constant(null)));
const dict = mostly(fc.dictionary(text, anyValue, { maxKeys: 4 }), fc.oneof(fc.array(leaf), text, fc.constant(null)));
const fieldsOf: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  identify: { traits: dict },
  track: { event: mostly(fc.string({ minLength: 1, maxLength: 30 }), fc.oneof(text, fc.constant(null))), properties: dict },
  page: { name: mostly(fc.string(), fc.boolean()), category: mostly(fc.string(), fc.integer()), properties: dict },
  screen: { name: mostly(fc.string(), fc.boolean()), category: fc.string(), properties: dict },
  group: { groupId: id, traits: dict },
  alias: { previousId: id },
};
const common = {
  userId: id,
  anonymousId: id,
  context: mostly(context, anyValue),
  integrations: mostly(fc.dictionary(text, fc.oneof(fc.boolean(), fc.dictionary(text, leaf))), fc.oneof(text, fc.dictionary(text, text))),
  timestamp,
  messageId: mostly(fc.string({ minLength: 1, maxLength: 100 }), fc.oneof(text, fc.string({ minLength: 101, maxLength: 102 }))),
};
const message = fc
  .constantFrom(...Object.keys(fieldsOf))
  .chain((type) =>
    fc.tuple(
      fc.record({ ...fieldsOf[type]!, ...common }, { requiredKeys: [] }),
      mostly(fc.constant(type), text),
      fc.option(fc.tuple(fc.constantFrom('event', 'traits', 'previousId', 'groupId', 'name', 'extra'), anyValue), { freq: 8 }),
    ),
  )
  .map(([fields, type, extra]) => ({ type, ...fields, ...(extra ? { [extra[0]]: extra[1] } : {}) }) as Record<string, unknown>);
/** Drops undefined members (JSON has none) and keeps the message. */
const clean = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));

describe('the fast check of a batch message', () => {
  it('never accepts what the schema refuses', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 8, arbitrary: message.map(clean) }, { weight: 1, arbitrary: anyValue }), (m) => {
        if (!fast(m)) return;
        accepted++;
        expect(batchItemSchema.safeParse(m).success).toBe(true);
      }),
      { numRuns: 4_000 },
    );
    // The generator reaches accepted messages too, so the property says something.
    expect(accepted).toBeGreaterThan(20);
  });

  it('accepts every message the schema accepts (it leaves none to the schema)', () => {
    const word = fc.string({ maxLength: 12 });
    const id = fc.string({ minLength: 1, maxLength: 20 });
    const value = fc.oneof(word, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(word, { maxLength: 2 }), fc.dictionary(word, word, { maxKeys: 2 }));
    const dict = fc.dictionary(word, value, { maxKeys: 4 });
    const rightFields: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
      identify: { traits: dict },
      track: { event: fc.string({ minLength: 1, maxLength: 30 }), properties: dict },
      page: { name: word, category: word, properties: dict },
      screen: { name: word, category: word, properties: dict },
      group: { groupId: id, traits: dict },
      alias: { previousId: id },
    };
    const right = fc.constantFrom(...Object.keys(rightFields)).chain((type) =>
      fc.record({ type: fc.constant(type), ...rightFields[type]!, userId: id, anonymousId: id, context: fc.oneof(dict, context), integrations: fc.dictionary(word, fc.oneof(fc.boolean(), fc.dictionary(word, word))), timestamp, messageId: fc.string({ minLength: 1, maxLength: 100 }) }, { requiredKeys: ['type'] }),
    );
    let valid = 0;
    fc.assert(
      fc.property(right.map(clean), (m) => {
        if (!batchItemSchema.safeParse(m).success) return;
        // zod counts a string's length in characters, this check in UTF-16 units (never more lenient): a long run of emoji may be left to the schema.
        if (/[\uD800-\uDFFF]/.test(JSON.stringify(m))) return;
        valid++;
        expect(fast(m)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    expect(valid).toBeGreaterThan(200); // ~530-600 of 2,000 in runs seen: the property says something
  });

  it('accepts the messages people send, of every type, so the schema is spared for them', () => {
    const context = { ip: '1.2.3.4', userAgent: 'Mozilla/5.0', app: { name: 'shop', version: '1.2' }, location: { latitude: 1.5, city: 'Paris' }, traits: { plan: 'pro' }, custom: { a: [1] } };
    const messages = [
      { type: 'identify', userId: 'u1', traits: { email: 'a@b.c', plan: 'pro', n: 3 }, context },
      { type: 'track', anonymousId: 'a1', event: 'Order Completed', properties: { order_id: 'o1', revenue: 9.99, items: [{ sku: 'x' }] }, timestamp: '2026-01-31T12:00:00Z', messageId: 'm-1' },
      { type: 'page', userId: 'u1', name: 'Pricing', category: 'Docs', properties: { url: 'https://x.test/p' }, integrations: { All: false, Mixpanel: true, Amplitude: { session_id: 1 } } },
      { type: 'screen', userId: 'u1', name: 'Checkout', context: { os: { name: 'iOS' }, device: { id: 'd' } } },
      { type: 'group', userId: 'u1', groupId: 'org_1', traits: { employees: 40 } },
      { type: 'alias', previousId: 'a1', userId: 'u1', timestamp: '2026-01-31T13:00:00.5+01:00' },
    ];
    for (const m of messages) {
      expect(batchItemSchema.safeParse(m).success).toBe(true);
      expect(fast(m)).toBe(true);
    }
  });

  it('leaves every refusal and its wording to the schema', () => {
    const bad = { type: 'track', userId: 'u1', event: '', properties: [], extra: 1 };
    expect(fast(bad)).toBe(false);
    const r = validateBatchItem(bad);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['event', 'properties', '']));
    // Identity is still required after the fast check passed.
    const anonymous = { type: 'track', event: 'Order Completed' };
    expect(fast(anonymous)).toBe(true);
    expect(validateBatchItem(anonymous).success).toBe(false);
  });

  // The built modules in a process of their own: the flag is the whole process's.
  it('in a process that forbids making code from text, it says "cannot tell" to everything, and zod checks every message', () => {
    const dist = (f: string) => JSON.stringify(pathToFileURL(join(__dirname, '../../../dist/segment/tracking', f)).href);
    const script = `
      const { compileFastCheck } = await import(${dist('fast-check.js')});
      const { batchItemSchema, validateBatchItem } = await import(${dist('schemas.js')});
      const good = { type: 'track', userId: 'u1', event: 'Order Completed' };
      console.log(JSON.stringify([compileFastCheck(batchItemSchema)(good), validateBatchItem(good).success, validateBatchItem({ ...good, event: '' }).success]));
    `;
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([false, true, false]);
  });

  it('a schema that contains itself is checked through its own function, not made forever', () => {
    const Node: z.ZodType = z.object({
      name: z.string(),
      get parent() {
        return Node.optional();
      },
    });
    const check = compileFastCheck(Node);
    expect(check({ name: 'a', parent: { name: 'b', parent: { name: 'c' } } })).toBe(true);
    expect(check({ name: 'a', parent: { name: 'b', parent: { name: 3 } } })).toBe(false);
  });
});
