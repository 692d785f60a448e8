import { describe, expect, it } from 'vitest';
import { compactSchema, shorten } from '../../src/meta/compact-schema.js';
import { trackingTools } from '../../src/segment/tracking/tools.js';

const track = trackingTools.find((t) => t.slug === 'SEGMENT_TRACK')!;

describe('compact input schemas', () => {
  it('drops what an agent does not need and keeps what it does', () => {
    const full = track.inputJsonSchema();
    const small = compactSchema(full) as any;
    const text = JSON.stringify(small);
    expect(text).not.toContain('$schema');
    expect(text).not.toContain('additionalProperties');
    expect(text).not.toContain('propertyNames');
    expect(small.required).toEqual(['event']);
    // All but what the router fills in itself (sentAt: the time the request goes).
    expect(Object.keys(small.properties)).toEqual(Object.keys((full as any).properties).filter((k) => k !== 'sentAt'));
    expect(Object.keys((full as any).properties)).toContain('sentAt');
    expect(small.properties.timestamp.format).toBe('date-time');
    expect(text.length).toBeLessThan(JSON.stringify(full).length / 2);
  });

  it('folds the big tracking context object into one line naming its parts', () => {
    const ctx = (compactSchema(track.inputJsonSchema()) as any).properties.context;
    expect(ctx.properties).toBeUndefined();
    expect(ctx.type).toBe('object');
    expect(ctx.description).toMatch(/campaign.*device.*userAgent/);
  });

  it('keeps small nested objects whole and lists fields of big ones', () => {
    const small = { type: 'object', properties: { a: { type: 'object', properties: { x: { type: 'string' } } } } };
    expect(compactSchema(small)).toEqual(small);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, { type: 'string', description: 'something long enough to count' }]));
    const big = compactSchema({ type: 'object', properties: { settings: { type: 'object', description: 'Settings.', properties: many } } }) as any;
    expect(big.properties.settings).toEqual({ type: 'object', description: expect.stringMatching(/^Settings\. Fields: field0, field1, .*field29\.$/) });
  });

  it('trims long enums, long patterns and long descriptions', () => {
    const s = compactSchema({
      type: 'object',
      properties: {
        kind: { type: 'string', enum: Array.from({ length: 20 }, (_, i) => `k${i}`) },
        id: { type: 'string', pattern: '^[a-z]{3}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
        note: { type: 'string', description: 'word '.repeat(80) },
      },
    }) as any;
    expect(s.properties.kind.enum).toHaveLength(12);
    expect(s.properties.kind.description).toMatch(/8 more values/);
    expect(s.properties.id.pattern).toBeUndefined();
    expect(s.properties.note.description.length).toBeLessThanOrEqual(161);
  });

  it('shortens at a sentence when it can', () => {
    const text = `${'a'.repeat(100)}. ${'b'.repeat(100)}.`;
    expect(shorten(text)).toBe(`${'a'.repeat(100)}.`);
  });
});
