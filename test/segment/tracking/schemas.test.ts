import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-process.js';
import { compileFastCheck } from '../../../src/segment/tracking/fast-check.js';
import { formatIssues } from '../../../src/registry/arguments.js';
import { aliasSchema, batchItemSchema, isoTimestamp, trackSchema, validateBatchItem } from '../../../src/segment/tracking/schemas.js';

const fast = compileFastCheck(batchItemSchema);
const track = (extra: Record<string, unknown>) => ({ userId: 'u1', event: 'Order Completed', ...extra });

/** Found by a fidelity review against Segment's documented fields (2026-12-07). */
describe('the Tracking API schemas, as Segment documents the calls', () => {
  it('takes sentAt, one of every call\'s optional fields', () => {
    expect(trackSchema.safeParse(track({ sentAt: '2026-01-01T00:00:00Z' })).success).toBe(true);
    expect(trackSchema.safeParse(track({ sentAt: 'yesterday' })).success).toBe(false);
  });

  it('takes ISO-8601 with a zone in its common forms; refuses what has no zone or no date', () => {
    const good = ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.123456+01:00', '2026-01-01T00:00:00+0100', '2026-01-01T00:00Z', '2026-01-01t00:00:00z', '2024-02-29T23:59:59-08:00'];
    const bad = ['2026-01-01T00:00:00', '2026-01-01', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+01', '2026-01-01 00:00:00Z', 'now', '1767225600'];
    for (const t of good) {
      expect(isoTimestamp.safeParse(t).success, t).toBe(true);
      expect(Number.isNaN(Date.parse(t)), t).toBe(false);
      const item = { type: 'track', ...track({ timestamp: t }) };
      expect(fast(item), t).toBe(true);
      expect(validateBatchItem(item).success, t).toBe(true);
    }
    for (const t of bad) {
      expect(isoTimestamp.safeParse(t).success, t).toBe(false);
      expect(fast({ type: 'track', ...track({ timestamp: t }) }), t).toBe(false);
    }
  });

  it('takes anonymousId on alias, as on every call', () => {
    expect(aliasSchema.safeParse({ previousId: 'anon-1', userId: 'u1', anonymousId: 'anon-1' }).success).toBe(true);
  });

  it('a record as Segment stores it (an archive, an export) names the stored fields to remove, apart from misspelt ones', () => {
    const stored = { type: 'track', userId: 'u1', event: 'Order Completed', timestamp: '2025-01-01T10:00:00Z', receivedAt: '2025-01-01T10:00:01Z', originalTimestamp: '2025-01-01T10:00:00Z', channel: 'server', version: 2, projectId: 'p1', writeKey: 'wk_old_source', _metadata: { bundled: [] }, propertes: {} };
    const r = validateBatchItem(stored);
    expect(r.success).toBe(false);
    const text = formatIssues((r as { issues: Parameters<typeof formatIssues>[0] }).issues);
    expect(text).toContain('unknown field "propertes" (did you mean "properties"?)');
    expect(text).toContain('"receivedAt", "originalTimestamp", "channel", "version", "projectId", "writeKey", "_metadata" are fields of a message as Segment stores it');
    expect(text).toMatch(/remove them/);
    expect(text).not.toContain('wk_old_source');
    const one = validateBatchItem({ type: 'track', userId: 'u1', event: 'E', receivedAt: 'x' });
    expect(formatIssues((one as { issues: Parameters<typeof formatIssues>[0] }).issues)).toBe('(arguments): "receivedAt" is a field of a message as Segment stores it (its archives and exports carry it); the router does not send it: remove it');
  });

  it('sets no length limit of its own on event names and ids (Segment documents none; the 32 KB message limit holds)', () => {
    expect(trackSchema.safeParse(track({ event: 'E'.repeat(250), userId: 'u'.repeat(2_000) })).success).toBe(true);
  });

  it('a single call given sentAt sends one sentAt, the time it is sent (no second key in the body)', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => (bodies.push(body), res.end('{"success":true}')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const env = { PATH: process.env.PATH ?? '', SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-sent-')), SEGMENT_TRACKING_API_URL: url, SEGMENT_PUBLIC_API_URL: url, SEGMENT_WRITE_KEY: 'wk_sentAt_test_key_0123456789', SEGMENT_ROUTER_VALIDATE: 'off' };
      const out = await runCli(['call', 'SEGMENT_TRACK', '--write=allow', '--json', '--args', JSON.stringify(track({ sentAt: '2020-01-01T00:00:00Z' }))], { env });
      expect(out.code, out.stderr).toBe(0);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]!.match(/"sentAt"/g)).toHaveLength(1);
      expect(Date.now() - Date.parse(JSON.parse(bodies[0]!).sentAt)).toBeLessThan(60_000);
    } finally {
      server.close();
    }
  });
});
