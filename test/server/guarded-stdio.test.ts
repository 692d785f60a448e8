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
