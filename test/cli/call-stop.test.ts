import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/router.js';

let upstream: Server | undefined;
afterEach(() => upstream?.close());

// Found by a review (2026-12-07): Ctrl-C during a Public API write aborted the request on its way, though
// the command says it waits for the answers of requests already sent: whether the source was created was
// then unknown (audited "unknown").
describe('segment-router call stopped while a Public API write is on its way', () => {
  it('waits for its answer: the write is known done, and no further page or retry goes', async () => {
    const seen: string[] = [];
    upstream = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { source: { id: 'src_new', slug: 'web-2', enabled: true } } }));
      }, 1_500);
    });
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const home = mkdtempSync(join(tmpdir(), 'sr-stop-'));
    const env = { PATH: process.env.PATH ?? '', SEGMENT_ROUTER_HOME: home, SEGMENT_PUBLIC_API_URL: url, SEGMENT_TRACKING_API_URL: url, SEGMENT_PUBLIC_API_TOKEN: 'sgp_stop_test_token_0123456789' };
    const child = spawn(process.execPath, [CLI, 'call', 'SEGMENT_CREATE_SOURCE', '--write=allow', '--json', '--args', JSON.stringify({ slug: 'web-2', enabled: true, metadataId: 'meta_1' })], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    while (!seen.length) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const answer = JSON.parse(out);
    expect(answer).toMatchObject({ successful: true, data: { source: { id: 'src_new' } } });
    expect(seen).toEqual(['POST /sources']);
    const audit = readFileSync(join(home, 'audit', 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"outcome":"sent","status":200');
  });
});
