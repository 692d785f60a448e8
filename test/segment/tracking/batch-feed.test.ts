import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageGate } from '../../../src/quality/checker.js';
import { batchFingerprint, encodeBatch } from '../../../src/segment/tracking/batch-feed.js';
import { parseDeferring, deferredOf } from '../../../src/util/deferred-list.js';
import { registerRawLists } from '../../../src/util/raw-json.js';
import { appWithSandbox } from '../../helpers/inprocess.js';

/** A batch is checked message by message as its requests are packed: sending starts before the last message is checked. */
describe('SEGMENT_BATCH checks and sends in step', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await close?.();
    close = undefined;
  });

  const typical = (i: number) => ({ type: 'track', userId: `user-${i % 50}`, event: 'Order Completed', properties: { order_id: `o-${i}`, revenue: i + 0.5 } });

  it('hands the first request over while later messages are still unchecked, and checks every message before its request', async () => {
    // Debug logging on: nothing on the way (a log line counting requests) may check the whole batch first.
    const env = await appWithSandbox({ write: 'allow', envExtra: { SEGMENT_ROUTER_LOG_LEVEL: 'debug' } });
    close = env.close;
    const checked: number[] = [];
    const check = vi.spyOn(MessageGate.prototype, 'check').mockImplementation(function (this: MessageGate, index: number) {
      checked.push(index);
      return [];
    });
    const seenAtSend: { checked: number; ids: number[] }[] = [];
    const send = env.app.http.send.bind(env.app.http);
    env.app.http.send = (req, opts) => {
      if (req.url.endsWith('/v1/batch')) {
        const body = JSON.parse(String(req.body)) as { batch: { properties: { order_id: string } }[] };
        seenAtSend.push({ checked: checked.length, ids: body.batch.map((m) => Number(m.properties.order_id.slice(2))) });
      }
      return send(req, opts);
    };
    const n = 12_500;
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: Array.from({ length: n }, (_, i) => typical(i)) } });
    expect(r.successful).toBe(true);
    expect(check).toHaveBeenCalledTimes(n);
    expect(seenAtSend.length).toBeGreaterThanOrEqual(5);
    // The first request left with its own messages checked (and the next one, which did not fit), no more.
    expect(seenAtSend[0]!.checked).toBeLessThanOrEqual(seenAtSend[0]!.ids.length + 1);
    // Every message of a request had been checked before the request left.
    for (const s of seenAtSend) expect(Math.max(...s.ids)).toBeLessThan(s.checked);
  }, 60_000);

  it('counts every message as given against the per-call byte limit, invalid ones too, before anything is sent', async () => {
    const env = await appWithSandbox({ write: 'allow', envExtra: { SEGMENT_ROUTER_MAX_ARGUMENTS_BYTES: '20000' } });
    close = env.close;
    const valid = Array.from({ length: 40 }, (_, i) => typical(i)); // about 5,000 bytes
    const invalid = Array.from({ length: 100 }, (_, i) => ({ type: 'track', event: 'No One', properties: { pad: 'x'.repeat(150), i } }));
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: [...valid, ...invalid] } });
    expect(r.successful).toBe(false);
    expect(r.error!.kind).toBe('validation');
    expect(r.error!.message).toMatch(/limit is 20,000 bytes per call/);
    expect(env.sandbox.requests.filter((q) => q.path.startsWith('/v1/'))).toHaveLength(0);
  }, 60_000);

  it('refuses a message JSON cannot carry by itself, and sends the others', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const batch = [typical(0), { type: 'track', userId: 'u', event: 'Big Number', properties: { n: 10n } }, typical(2)];
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(r.error?.kind).toBe('partial');
    const data = r.data as { accepted: number; rejected_before_sending: { index: number; reason: string }[] };
    expect(data.accepted).toBe(2);
    expect(data.rejected_before_sending.map((x) => x.index)).toEqual([1]);
    expect(data.rejected_before_sending[0]!.reason).toMatch(/cannot be written as JSON/);
  }, 60_000);
});

describe('the batch encoded once', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  const tricky = fc.oneof(json, fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '],[', '{"a":"}"}', '😀', '\u2028'));
  const item = fc.oneof(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tricky, { maxKeys: 5 }), fc.array(tricky, { maxLength: 4 }), tricky);

  it('finds every message in the bytes of the whole list: each is its own JSON, exactly', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 30 }), (batch) => {
        const e = encodeBatch(batch, 1e9);
        expect(e.bytes.toString('utf8')).toBe(JSON.stringify(batch));
        batch.forEach((m, i) => expect(e.bytes.toString('utf8', e.starts[i], e.ends[i])).toBe(JSON.stringify(m)));
      }),
      { numRuns: 500 },
    );
  });

  it('with a value JSON cannot carry: the same bytes for the others, that message marked', () => {
    const batch = [{ a: 1 }, { n: 10n }, ['x,]'], 'y'];
    const e = encodeBatch(batch, 1e9);
    expect(e.ends[1]).toBe(-1);
    for (const i of [0, 2, 3]) expect(e.bytes.toString('utf8', e.starts[i], e.ends[i])).toBe(JSON.stringify(batch[i]));
    expect(e.bytes.toString('utf8')).toBe('[{"a":1},null,["x,]"],"y"]');
  });
});

/** A batch as it arrives over stdio: the line's bytes, parsed, its list registered as the transport does. */
type Line = { params: { arguments: { arguments: { batch: unknown[] } } } };
const lineOf = (messages: string[]) => Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_BATCH","arguments":{"batch":[${messages.join(', ')}]}}}}`);

/** The two ways the stdio transport reads a large line: parsed whole with its lists' bytes kept, or with its plain lists parsed when read. */
const ways: [string, (messages: string[]) => unknown[]][] = [
  ['parsed whole', (messages) => {
    const bytes = lineOf(messages);
    const value = JSON.parse(bytes.toString('utf8')) as Line;
    registerRawLists(bytes, value);
    return value.params.arguments.arguments.batch;
  }],
  ['its messages parsed when read', (messages) => {
    const value = parseDeferring(lineOf(messages)) as Line | undefined;
    if (!value) throw new Error('not deferred');
    return value.params.arguments.arguments.batch;
  }],
];

describe.each(ways)('a batch that came over stdio (%s) is sent from the bytes the client wrote', (_way, arrived) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Runs the batch through the executor; answers the result and the bodies that left. */
  async function send(batch: unknown[]) {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const bodies: string[] = [];
    const post = env.app.http.send.bind(env.app.http);
    env.app.http.send = (req, opts) => {
      if (req.url.endsWith('/v1/batch')) bodies.push(String(req.body));
      return post(req, opts);
    };
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    return { r, bodies, sent: bodies.flatMap((b) => (JSON.parse(b) as { batch: Record<string, any>[] }).batch) };
  }

  const plain = (i: number) => `{"type": "track", "userId": "u${i}", "event": "Order\\u0020Completed", "properties": {"i": ${i}, "price": 1.50}}`;

  it('the messages leave as the client spelled them, and say what was checked', async () => {
    const { r, bodies, sent } = await send(arrived(Array.from({ length: 20 }, (_, i) => plain(i))));
    expect(r.successful).toBe(true);
    expect(bodies.join()).toContain('"event": "Order\\u0020Completed", "properties": {"i": 7, "price": 1.50}');
    expect(sent).toHaveLength(20);
    sent.forEach((m, i) => expect(m).toMatchObject({ type: 'track', userId: `u${i}`, event: 'Order Completed', properties: { i, price: 1.5 }, context: { library: { name: 'segment-router' } } }));
  }, 60_000);

  it('a message that repeats a key is sent as it was checked, not as its bytes', async () => {
    const messages = Array.from({ length: 20 }, (_, i) => plain(i));
    messages[5] = '{"type":"track","userId":"u5","event":"E","properties":{"email":"someone@example.com"},"properties":{"plan":"pro"}}';
    const { r, bodies, sent } = await send(arrived(messages));
    expect(r.successful).toBe(true);
    expect(bodies.join()).not.toContain('someone@example.com');
    expect(sent[5]!.properties).toEqual({ plan: 'pro' });
  }, 60_000);

  it('a message the client spelled past 32 KB (a \\u escape for every character, as Python writes by default) that JSON writes under it is sent as what was checked', async () => {
    const messages = Array.from({ length: 20 }, (_, i) => plain(i));
    // 6,000 characters: 36 KB as six-byte escapes, 18 KB as UTF-8.
    messages[4] = `{"type":"track","userId":"u4","event":"E","properties":{"note":"${'\\u65e5'.repeat(6_000)}"}}`;
    const { r, sent } = await send(arrived(messages));
    expect(r.successful).toBe(true);
    expect(sent).toHaveLength(20);
    expect(sent[4]!.properties).toEqual({ note: '\u65e5'.repeat(6_000) });
  }, 60_000);

  it('context.library goes into the message\'s own context when a value nested in it has the same text', async () => {
    const messages = Array.from({ length: 20 }, (_, i) => plain(i));
    messages[2] = '{"type":"track","userId":"u2","event":"E","properties":{"context":{"ip":"10.0.0.1"}},"context": {"ip":"10.0.0.1"}}';
    const { r, sent } = await send(arrived(messages));
    expect(r.successful).toBe(true);
    expect(sent[2]!.properties).toEqual({ context: { ip: '10.0.0.1' } });
    expect(sent[2]!.context).toMatchObject({ ip: '10.0.0.1', library: { name: 'segment-router' } });
  }, 60_000);
});

describe('a batch whose messages are parsed when read', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  const message = (i: number, extra = '') => `{"type":"track","userId":"u${i}","event":"Order Completed","properties":{"i":${i}}${extra}}`;
  const listOf = (messages: string[]) => (parseDeferring(lineOf(messages)) as Line).params.arguments.arguments.batch;

  it('is checked and sent one message at a time: never parsed whole, every message still checked', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const messages = Array.from({ length: 30 }, (_, i) => message(i));
    messages[4] = '{"type":"track","event":"No One"}';
    messages[9] = message(9, ',"user_id":"x"');
    const batch = listOf(messages);
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(deferredOf(batch)!.materialised).toBe(false);
    expect(r.data).toMatchObject({ accepted: 28, total: 30 });
    expect((r.data as { rejected_before_sending: { index: number }[] }).rejected_before_sending.map((x) => x.index)).toEqual([4, 9]);
    const got = env.sandbox.events.filter((e) => e.message?.type === 'track').map((e) => (e.message as { properties: { i: number } }).properties.i);
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i).filter((i) => i !== 4 && i !== 9));
  }, 60_000);

  it('the schema still decides the list as a whole: over the item limit, nothing is sent', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const batch = listOf(Array.from({ length: 25_001 }, (_, i) => '{"type":"track","userId":"u","event":"E","properties":{"i":' + i + '}}'));
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(r.error).toMatchObject({ kind: 'validation' });
    expect(r.error!.message).toMatch(/batch/);
    expect(env.sandbox.events).toHaveLength(0);
  }, 60_000);

  it('a tool that reads every message through its schema gets the list parsed whole (a historical import)', async () => {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const stamped = Array.from({ length: 20 }, (_, i) => message(i, ',"timestamp":"2025-01-01T00:00:00Z"'));
    const ok = await env.app.executor.execute({ slug: 'SEGMENT_IMPORT_HISTORICAL_DATA', arguments: { batch: listOf(stamped) } });
    expect(ok.data).toMatchObject({ accepted: 20 });
    const missing = [...stamped];
    missing[3] = message(3);
    const refused = await env.app.executor.execute({ slug: 'SEGMENT_IMPORT_HISTORICAL_DATA', arguments: { batch: listOf(missing) } });
    expect(refused.error!.message).toMatch(/batch\.3\.timestamp/);
  }, 60_000);
});

describe('the journal fingerprint of a batch that came over stdio', () => {
  const message = (i: number) => `{"type":"track","userId":"u${i}","event":"Order Completed","properties":{"note":"a b\\" c","i":${i}}}`;
  const printOf = (messages: string[]) => {
    const batch = (parseDeferring(lineOf(messages)) as Line).params.arguments.arguments.batch;
    return batchFingerprint('batch {}', encodeBatch(batch, 1e9));
  };

  it('does not change when the client spaces the same messages otherwise (a repeat after a crash keeps its ids)', () => {
    const messages = Array.from({ length: 20 }, (_, i) => message(i));
    const spaced = messages.map((m) => m.replace(/([{,:])/g, '$1 \n\t').replace(/}/g, ' }'));
    const print = printOf(messages);
    expect(print).toBeDefined();
    expect(printOf(spaced)).toBe(print);
    // Spaces inside a string are the message's own: another call.
    expect(printOf(messages.map((m) => m.replace('a b', 'a  b')))).not.toBe(print);
    // And the same messages parsed and serialised by the router hash the same as from the client's bytes.
    expect(batchFingerprint('batch {}', encodeBatch(messages.map((m) => JSON.parse(m)), 1e9))).toBe(print);
  });
});
