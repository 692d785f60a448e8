import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { GuardedStdioTransport } from '../../src/server/guarded-stdio.js';
import { deferredOf } from '../../src/util/deferred-list.js';
import { rawElementsOf } from '../../src/util/raw-json.js';

/** Feeds `chunks` to a transport as stdin data events; answers the messages it read and what it wrote back. */
async function read(chunks: Buffer[], maxMessageBytes?: number) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const got: JSONRPCMessage[] = [];
  const written: string[] = [];
  stdout.on('data', (d: Buffer) => written.push(d.toString()));
  const t = new GuardedStdioTransport({ stdin, stdout, ...(maxMessageBytes ? { maxMessageBytes } : {}) });
  t.onmessage = (m) => got.push(m);
  await t.start();
  for (const c of chunks) stdin.write(c);
  await new Promise((r) => setImmediate(r));
  await t.close();
  return { got, written };
}

const request = (id: number, text: string) => ({ jsonrpc: '2.0' as const, id, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { text } } });

describe('the stdio transport reads lines however the bytes arrive', () => {
  it('a line cut anywhere, even inside a character, reads as sent (several lines, CRLF too)', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\uD800-\uDFFF]/g, '') + 'é😀中');
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (texts, cuts, crlf) => {
        const bytes = Buffer.from(texts.map((t, i) => JSON.stringify(request(i, t)) + (crlf ? '\r\n' : '\n')).join(''));
        const at = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, k) => bytes.subarray(from, [...at, bytes.length][k]));
        const { got } = await read(chunks.filter((c) => c.length));
        expect(got).toEqual(texts.map((t, i) => request(i, t)));
      }),
      { numRuns: 60 },
    );
  });

  it('a line over the limit is skipped as it streams and answered by its id; the next line still reads', async () => {
    const big = JSON.stringify(request(7, 'é'.repeat(3_000)));
    const next = JSON.stringify(request(8, 'ok'));
    const bytes = Buffer.from(`${big}\n${next}\n`);
    const { got, written } = await read([bytes.subarray(0, 1_001), bytes.subarray(1_001, 4_000), bytes.subarray(4_000)], 2_000);
    expect(got).toEqual([request(8, 'ok')]);
    expect(JSON.parse(written.join(''))).toMatchObject({ id: 7, error: { code: -32600 } });
  });
});

describe('a large list keeps the bytes it came in', () => {
  it('the batch of a line is known by its bytes, read however the chunks were cut', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'Café ☕', properties: { i } }));
    const message = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch } } } };
    // Spaces in it, and past the size from which lines are scanned for lists.
    const text = JSON.stringify(message, null, 1).replace(/\n/g, ' ');
    const bytes = Buffer.from(`${text}${' '.repeat(70_000)}\r\n`);
    const stdin = new PassThrough();
    const got: JSONRPCMessage[] = [];
    const t = new GuardedStdioTransport({ stdin, stdout: new PassThrough() });
    t.onmessage = (m) => got.push(m);
    await t.start();
    for (const c of [bytes.subarray(0, 1_000), bytes.subarray(1_000, 30_001), bytes.subarray(30_001)]) stdin.write(c);
    for (let wait = 0; !got.length && wait < 200; wait++) await new Promise((r) => setTimeout(r, 10));
    await t.close();
    const list = (got[0] as typeof message).params.arguments.arguments.batch;
    // Its messages are parsed when read: the list is not parsed yet, and reads as sent.
    const lazy = deferredOf(list)!;
    expect(lazy.materialised).toBe(false);
    const raw = lazy.raw;
    expect(got).toEqual([message]);
    list.forEach((m, i) => {
      const own = raw.bytes.toString('utf8', raw.starts[i], raw.ends[i]);
      expect(own).toMatch(/^\{ .* \}$/);
      expect(JSON.parse(own)).toEqual(m);
    });
  });

  it('a list the value check must read (here a number with an exponent) is parsed with the line, its bytes kept', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'E', properties: { i, pad: 'x'.repeat(2_000) } }));
    const message = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch } } } };
    const text = JSON.stringify(message).replace('"i":7,', '"i":7e0,');
    const { got } = await read([Buffer.from(`${text}\n`)]);
    const list = (got[0] as typeof message).params.arguments.arguments.batch;
    expect(deferredOf(list)).toBeUndefined();
    expect(rawElementsOf(list)).toBeDefined();
    expect(got).toEqual([message]);
  });

  it('a large line that is not JSON is still answered with a parse error', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'E', properties: { pad: 'x'.repeat(2_000) } }));
    const text = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { arguments: { batch } } }).replace('"u7"', '"u7",');
    const { got, written } = await read([Buffer.from(`${text}\n`)]);
    expect(got).toEqual([]);
    expect(JSON.parse(written.join(''))).toMatchObject({ id: 3, error: { code: -32700 } });
  });
});

describe('a line that is not UTF-8', () => {
  // Found by an adversarial review (2026-12-06): a userId with the bytes FF FE was sent to Segment as two U+FFFD.
  it('is refused with a parse error that says so, small or large; nothing is handed on', async () => {
    for (const pad of [0, 80_000]) {
      const head = Buffer.from(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"pad":"${'x'.repeat(pad)}","userId":"u`);
      const { got, written } = await read([Buffer.concat([head, Buffer.from([0xff, 0xfe]), Buffer.from('"}}}\n')])]);
      expect(got).toEqual([]);
      expect(JSON.parse(written.join(''))).toMatchObject({ id: 4, error: { code: -32700, message: expect.stringContaining('not valid UTF-8') } });
    }
  });
});

describe('a large line lends its buffer to its request until the request is answered', () => {
  const big = (id: number | string, tag: string, extra: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0' as const,
    id,
    method: 'tools/call',
    params: { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: Array.from({ length: 60 }, (_, i) => ({ type: 'track', userId: `${tag}-${i}`, event: 'E', properties: { pad: tag.repeat(1_500) } })) } }, ...extra },
  });
  type Big = ReturnType<typeof big>;
  const batchOf = (m: JSONRPCMessage) => (m as Big).params.arguments.arguments.batch;

  async function open() {
    const stdin = new PassThrough();
    const got: JSONRPCMessage[] = [];
    const t = new GuardedStdioTransport({ stdin, stdout: new PassThrough() });
    t.onmessage = (m) => got.push(m);
    await t.start();
    const line = async (m: unknown, cut = 7_000) => {
      const bytes = Buffer.from(`${JSON.stringify(m)}\n`);
      for (let at = 0; at < bytes.length; at += cut) stdin.write(bytes.subarray(at, at + cut));
      const before = got.length;
      for (let wait = 0; got.length === before && wait < 200; wait++) await new Promise((r) => setImmediate(r));
    };
    const kept = () => (t as unknown as { buffers: { kept: number } }).buffers.kept;
    return { t, got, line, kept };
  }

  it('later lines never write over a request still running; its answer frees the buffer for the next line', async () => {
    const { t, got, line, kept } = await open();
    await line(big(1, 'a'));
    await line(big(2, 'b'));
    await line({ jsonrpc: '2.0', id: 3, method: 'ping' });
    // Request 1 reads its messages only now, after two more lines came in: as sent.
    expect(got[0]).toEqual(big(1, 'a'));
    expect(got[1]).toEqual(big(2, 'b'));
    const before = kept();
    await t.send({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    const lineBytes = JSON.stringify(big(1, 'a')).length;
    expect(kept()).toBeGreaterThan(before + lineBytes);
    // Request 1 is over: a late read of its bytes finds them gone, never another line's.
    expect(deferredOf(batchOf(got[0]!))!.raw.bytes.length).toBe(0);
    // The next large line is read into request 1's memory; request 2 still reads as sent.
    await line(big(4, 'c'));
    expect(kept()).toBeLessThan(lineBytes);
    expect(got[1]).toEqual(big(2, 'b'));
    expect(got[3]).toEqual(big(4, 'c'));
    await t.close();
  });

  it('a task (the work goes on after its answer), a notification and an answer from the client keep their bytes for good; a repeated id is refused, its bytes not kept', async () => {
    const { t, got, line, kept } = await open();
    await line(big('t', 'a', { task: { ttl: 60_000 } }));
    const before = kept();
    await t.send({ jsonrpc: '2.0', id: 't', result: { task: { taskId: 'x', status: 'working' } } } as JSONRPCMessage);
    expect(kept()).toBe(before);
    await line({ jsonrpc: '2.0', method: 'notifications/message', params: big(0, 'b').params });
    await line(big(7, 'c'));
    const lent = (t as unknown as { lent: Map<string, Buffer> }).lent;
    const loans = lent.size;
    // The id of a request still running (request-ids.ts): refused, not handed on, nothing lent for it.
    await line(big(7, 'd'));
    expect(lent.size).toBe(loans);
    expect(got[2]).toEqual(big(7, 'c'));
    expect(got).toHaveLength(3);
    await t.send({ jsonrpc: '2.0', id: 7, result: { content: [] } });
    await line(big(8, 'e'));
    await t.send({ jsonrpc: '2.0', id: 8, result: { content: [] } });
    // The client's answer to a request of the server's: its id is the server's, not a request's to answer.
    const answer = { jsonrpc: '2.0' as const, id: 10, result: big(0, 'g').params };
    await line(answer);
    await t.send({ jsonrpc: '2.0', id: 10, result: {} });
    await line(big(9, 'f'));
    expect(got[got.length - 2]).toEqual(answer);
    expect(got[0]).toEqual(big('t', 'a', { task: { ttl: 60_000 } }));
    expect((got[1] as { params: Big['params'] }).params).toEqual(big(0, 'b').params);
    expect(got.filter((m) => 'id' in m && m.id === 7)).toHaveLength(1);
    await t.close();
  });

  it('a cancelled request (never answered) gives up its loan, and its bytes stay as sent for the work still running', async () => {
    const { t, got, line, kept } = await open();
    await line(big(5, 'a'));
    const lent = (t as unknown as { lent: Map<string, Buffer> }).lent;
    expect(lent.size).toBe(1);
    const before = kept();
    await line({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } });
    expect(lent.size).toBe(0);
    // Not given back to be read into: the work may still read it.
    expect(kept()).toBeLessThanOrEqual(before);
    await line(big(6, 'b'));
    expect(got[0]).toEqual(big(5, 'a'));
    await t.close();
  });

  it('a line the transport refuses under the id of a request still running does not end the loan of that request', async () => {
    const stdin = new PassThrough();
    const got: JSONRPCMessage[] = [];
    const t = new GuardedStdioTransport({ stdin, stdout: new PassThrough() });
    t.onmessage = (m) => got.push(m);
    await t.start();
    const write = async (text: string) => {
      stdin.write(text);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    await write(`${JSON.stringify(big(5, 'a'))}\n`);
    // Not JSON, but its id can be read: refused with an answer to id 5.
    await write('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{\n');
    await write(`${JSON.stringify(big(6, 'b'))}\n`);
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual(big(5, 'a'));
    await t.close();
  });

  it('small lines between large ones read as sent, cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), fc.integer({ min: 500, max: 200_000 }), async (large, cut) => {
        const { t, got, line } = await open();
        const sent = large.map((l, i) => (l ? big(i, String.fromCharCode(97 + i)) : { jsonrpc: '2.0' as const, id: i, method: 'ping' }));
        const read: unknown[] = [];
        for (const m of sent) {
          await line(m, cut);
          // As the request reads it while it runs, before its answer.
          read.push(JSON.parse(JSON.stringify(got[got.length - 1])));
          await t.send({ jsonrpc: '2.0', id: m.id, result: {} });
        }
        expect(read).toEqual(sent);
        await t.close();
      }),
      { numRuns: 25 },
    );
  });
});
