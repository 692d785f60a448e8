import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, loadUndici } from '../../src/http/client.js';

let url = '';
const seen: { method?: string; url?: string; body: string; type?: string }[] = [];
/** Bytes the /huge route wrote before the client went away. */
let hugeWritten = 0;
const HUGE = 200 * 1024 * 1024;
const server = createServer((req: IncomingMessage, res) => {
  if (req.url?.startsWith('/huge')) {
    // A body far larger than any answer of Segment's, written only as fast as the client reads it.
    res.statusCode = Number(new URL(req.url, 'http://x').searchParams.get('status') ?? 200);
    const block = Buffer.alloc(64 * 1024, 0x41);
    hugeWritten = 0;
    const more = () => {
      while (hugeWritten < HUGE && !res.destroyed) {
        hugeWritten += block.length;
        if (!res.write(block)) return void res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    return more();
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8'), type: req.headers['content-type'] });
    res.setHeader('X-Answer', 'yes');
    res.end('{"success":true}');
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the HTTP client', () => {
  it('loads undici\'s Agent and request alone, not the package\'s entry point (fetch, WebSocket, caches, mocks)', async () => {
    expect((await loadUndici()).whole).toBe(false);
    const client = createHttpClient([url]);
    const res = await client.send({ method: 'POST', url: `${url}/v1/batch?x=1&y=two`, headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"batch":[]}') }, { timeoutMs: 5_000 });
    await client.close();
    expect(res).toMatchObject({ status: 200, text: '{"success":true}', headers: { 'x-answer': 'yes' } });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/v1/batch?x=1&y=two', body: '{"batch":[]}', type: 'application/json' });
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((f) => f.endsWith('/undici/lib/dispatcher/agent.js'))).toBe(true);
    expect(loaded.filter((f) => f.endsWith('/undici/index.js') || f.includes('/undici/lib/web/'))).toEqual([]);
  });

  it('refuses an origin that is not allowed, before loading anything', async () => {
    const client = createHttpClient(['https://api.segment.io']);
    await expect(client.send({ method: 'GET', url: `${url}/x`, headers: {} }, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'HOST_NOT_ALLOWED', notSent: true });
  });

  it('reads a body only up to its limit, whatever its status, and is ready for the next request', async () => {
    const client = createHttpClient([url]);
    for (const status of [200, 500]) {
      const res = await client.send({ method: 'POST', url: `${url}/huge?status=${status}`, headers: {}, body: '{}' }, { timeoutMs: 10_000, maxResponseBytes: 64 * 1024 });
      expect(res.status).toBe(status);
      expect(res.truncated).toBe(true);
      expect(res.text).toBe('A'.repeat(64 * 1024));
      // The rest was never read: the server could write little more than what the sockets buffer.
      expect(hugeWritten).toBeLessThan(HUGE / 4);
    }
    const next = await client.send({ method: 'POST', url: `${url}/v1/batch`, headers: {}, body: '{}' }, { timeoutMs: 5_000 });
    expect(next).toMatchObject({ status: 200, text: '{"success":true}' });
    expect(next.truncated).toBeUndefined();
    await client.close();
  });
});
