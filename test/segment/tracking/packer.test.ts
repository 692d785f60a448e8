import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchPacker } from '../../../src/segment/tracking/packer.js';
import { coreText, serialise, writeMessage, type SerialisedMessage } from '../../../src/segment/tracking/message.js';
import { MAX_BATCH_ITEMS_PER_CALL } from '../../../src/segment/tracking/schemas.js';
import { DEFAULT_LIMITS } from '../../../src/config/runtime.js';
import { loadRegistry } from '../../../src/inventory.js';
import { appWithSandbox } from '../../helpers/inprocess.js';

const PREFIX = 'sr-00000000-0000-4000-8000-000000000000-';
const NOW = '2026-01-02T03:04:05.678Z';
const writeMessageTo = (m: SerialisedMessage, out: Buffer) => writeMessage(m, PREFIX, NOW, out, 0);

const text = fc.string({ unit: 'binary', maxLength: 60 });
const message = fc.record({
  type: fc.constant('track'),
  userId: text.filter((s) => s.length > 0),
  event: text.filter((s) => s.length > 0),
  properties: fc.dictionary(text, fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)), fc.boolean(), fc.constant(null))),
  messageId: fc.option(fc.string({ minLength: 1, maxLength: 100 }), { nil: undefined }),
  timestamp: fc.option(fc.constant('2020-05-06T07:08:09Z'), { nil: undefined }),
});

describe('the batch packer', () => {
  it('assembles bodies whose size is exactly what was counted, within both request limits, messages in order', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 9 }), fc.option(fc.dictionary(text, text), { nil: undefined }), (list, perRequest, context) => {
        const clean = list.map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)));
        const serialised = clean.map((m, i) => serialise(m, i));
        const packer = new BatchPacker({ requestBytes: 4_000, messagesPerRequest: perRequest }, { context });
        const fits = serialised.filter((m) => m.bytes <= packer.maxMessageBytes);
        const packed = packer.packAll(fits);
        const seen: unknown[] = [];
        for (const p of packed) {
          const body = packer.body(p, PREFIX, NOW);
          expect(body.length).toBe(packer.bodyBytes(p));
          expect(body.length).toBeLessThanOrEqual(4_000);
          expect(p.messages.length).toBeLessThanOrEqual(perRequest);
          const parsed = JSON.parse(body.toString('utf8'));
          if (context) expect(parsed.context).toEqual(context);
          expect(parsed.sentAt).toMatch(/Z$/);
          seen.push(...parsed.batch);
        }
        const expected = fits.map((m) => {
          const given = clean[m.index]!;
          return { ...given, context: { library: expect.any(Object) }, messageId: given.messageId ?? `${PREFIX}${m.index}`, timestamp: given.timestamp ?? NOW };
        });
        expect(seen).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('counts the message as given (without the library the router adds) for the per-call limit', () => {
    const given = { type: 'identify', userId: 'ü-1', traits: { plan: 'pro' } };
    expect(serialise(given, 0).givenBytes).toBe(Buffer.byteLength(JSON.stringify(given)));
    const withContext = { type: 'identify', userId: 'u', context: { ip: '1.2.3.4' } };
    expect(serialise(withContext, 0).givenBytes).toBe(Buffer.byteLength(JSON.stringify(withContext)));
    const emptyContext = { type: 'identify', userId: 'u', context: {} };
    expect(serialise(emptyContext, 0).givenBytes).toBe(Buffer.byteLength(JSON.stringify(emptyContext)));
  });

  it('adds context.library into the JSON exactly as a copy of the message would have it, leaving the message untouched', () => {
    const context = fc.oneof(
      fc.constant(undefined),
      fc.dictionary(text, text, { maxKeys: 4 }),
      fc.record({ ip: text, library: fc.record({ name: text, version: text }) }),
    );
    fc.assert(
      // Indices of every length: the assigned id's digits are written byte by byte.
      fc.property(message, context, fc.boolean(), fc.boolean(), fc.oneof(fc.nat({ max: 9 }), fc.nat({ max: 1_000_000 })), (m, ctx, contextFirst, nestedCopy, index) => {
        const clean: Record<string, unknown> = Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
        // The same context text nested in properties, and the context before or after the other fields.
        if (ctx && nestedCopy) clean.properties = { ...(clean.properties as object), context: { ...ctx } };
        const given = ctx === undefined ? clean : contextFirst ? { context: ctx, ...clean } : { ...clean, context: ctx };
        const before = JSON.stringify(given);
        const s = serialise(given, index);
        const library = (given.context as { library?: unknown } | undefined)?.library;
        const expected = library ? given : { ...given, context: { ...(given.context as object), library: expect.any(Object) } };
        const core = coreText(s);
        expect(JSON.parse(core)).toEqual(expected);
        if (!library) expect(core).toBe(JSON.stringify({ ...given, context: { ...(given.context as object), library: JSON.parse(core).context.library } }));
        expect(JSON.stringify(given)).toBe(before);
        expect(s.givenBytes).toBe(Buffer.byteLength(before));
        const out = Buffer.alloc(s.bytes);
        expect(writeMessageTo(s, out)).toBe(s.bytes);
        // The bytes sent are the core's, with the assigned id and timestamp before the closing brace.
        const sent = JSON.parse(out.toString('utf8'));
        expect(sent).toEqual({ ...JSON.parse(core), messageId: given.messageId ?? `${PREFIX}${index}`, timestamp: given.timestamp ?? NOW });
      }),
      { numRuns: 300 },
    );
  });
});

describe('SEGMENT_BATCH carries what its schema promises, serialising each message once', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const typical = (i: number) => ({ type: 'track', userId: `user-${i % 500}`, event: 'Order Completed', properties: { order_id: `o-${i}`, revenue: (i % 97) + 0.99, currency: 'USD', plan: i % 3 ? 'pro' : 'free' } });

  it('the description states the item and byte limits, and a call at the item limit of typical events fits the byte limit', async () => {
    const tool = loadRegistry().resolve('SEGMENT_BATCH');
    if (!tool.ok) throw new Error('no SEGMENT_BATCH');
    expect(tool.tool.description).toContain(MAX_BATCH_ITEMS_PER_CALL.toLocaleString('en-US'));
    expect(tool.tool.description).toContain(DEFAULT_LIMITS.maxArgumentsBytes.toLocaleString('en-US'));
    expect((tool.tool.inputJsonSchema() as any).properties.batch.maxItems).toBe(MAX_BATCH_ITEMS_PER_CALL);

    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const batch = Array.from({ length: MAX_BATCH_ITEMS_PER_CALL }, (_, i) => typical(i));
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(r.error).toBeUndefined();
    expect((r.data as { accepted: number }).accepted).toBe(MAX_BATCH_ITEMS_PER_CALL);
    expect(new Set(env.sandbox.events.map((e) => e.messageId)).size).toBe(MAX_BATCH_ITEMS_PER_CALL);
  }, 60_000);

  it('each message is serialised once over the whole call: no size pass over the arguments, no body pass', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const n = 3_000;
    const batch = Array.from({ length: n }, (_, i) => typical(i));
    const original = JSON.stringify;
    let chars = 0;
    JSON.stringify = ((...a: Parameters<typeof JSON.stringify>) => {
      const out = original(...a);
      chars += out?.length ?? 0;
      return out;
    }) as typeof JSON.stringify;
    let r;
    try {
      r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    } finally {
      JSON.stringify = original;
    }
    expect(r.successful).toBe(true);
    const sent = env.sandbox.requests.filter((q) => q.path === '/v1/batch').reduce((sum, q) => sum + q.bytes, 0);
    // The sandbox, in this process, re-measures each message it receives: about `sent` characters.
    // The router's own share must be each message once, as given (`given`), not two or three times.
    const given = JSON.stringify(batch).length;
    expect(chars - sent).toBeGreaterThan(0.8 * given);
    expect(chars - sent).toBeLessThan(1.2 * given);
  }, 60_000);

  it('a call over the byte limit is refused before anything is sent, naming the limit', async () => {
    const env = await appWithSandbox({ write: 'allow', envExtra: { SEGMENT_ROUTER_MAX_ARGUMENTS_BYTES: '20000' } });
    close = env.close;
    const batch = Array.from({ length: 200 }, (_, i) => typical(i));
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(r.successful).toBe(false);
    expect(r.error!.kind).toBe('validation');
    expect(r.error!.message).toMatch(/limit is 20,000 bytes per call/);
    expect(env.sandbox.requests.filter((q) => q.path.startsWith('/v1/'))).toHaveLength(0);
    // Just under: the same limit as the arguments' JSON.
    const fits: ReturnType<typeof typical>[] = [];
    while (Buffer.byteLength(JSON.stringify({ batch: [...fits, typical(fits.length)] })) <= 20_000) fits.push(typical(fits.length));
    const ok = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: fits } });
    expect(ok.successful).toBe(true);
  }, 60_000);
});
