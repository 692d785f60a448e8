import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import { runCli } from '../../helpers/cli-process.js';

/**
 * Historical data keeps its time at Segment. Segment stores receivedAt - (sentAt - timestamp)
 * (docs/segment-facts.md, "Timestamps"): a message of a batch sent with a sentAt of its own from long
 * ago (an archive's or an export's record carries one) would be stored at about the time it arrived.
 * The request carries its send time; a message's own sentAt is not sent. The sandbox computes the
 * stored time as Segment does (test/sandbox/tracking-fidelity.test.ts).
 */
describe('a message given its own old sentAt keeps its timestamp at Segment', () => {
  let sb: Sandbox;
  let dir: string;
  const env = () => ({ PATH: process.env.PATH ?? '', SEGMENT_ROUTER_HOME: mkdtempSync(join(dir, 'home-')), SEGMENT_TRACKING_API_URL: sb.url, SEGMENT_PUBLIC_API_URL: sb.url, SEGMENT_WRITE_KEY: 'sandbox-write-key', SEGMENT_ROUTER_VALIDATE: 'off' });
  const record = (id: string) => ({ type: 'track', userId: 'u1', event: 'Order Completed', messageId: id, timestamp: '2025-01-01T10:00:00.000Z', sentAt: '2025-01-01T10:00:00.500Z', properties: { order_id: id } });
  /** How far the stored time is from the record's own: Segment's formula moves it by the request's time on the way (ms). */
  const off = (id: string) => Math.abs(Date.parse(String(sb.events.find((e) => e.messageId === id)?.timestamp)) - Date.parse('2025-01-01T10:00:00.000Z'));
  const sentWith = (id: string) => sb.events.find((e) => e.messageId === id)?.message.sentAt;

  beforeAll(async () => {
    sb = await startSandbox();
    dir = mkdtempSync(join(tmpdir(), 'sr-times-'));
  });
  afterAll(() => sb.close());

  it('SEGMENT_BATCH: stored at its own timestamp, and the answer says the sentAt given was left out', async () => {
    const out = await runCli(['call', 'SEGMENT_BATCH', '--write=allow', '--json', '--args', JSON.stringify({ batch: [record('b1'), { ...record('b2'), sentAt: undefined }] })], { env: env() });
    expect(out.code, out.stderr).toBe(0);
    expect(off('b1')).toBeLessThan(5_000);
    expect(off('b2')).toBeLessThan(5_000);
    expect(sentWith('b1')).toBeUndefined();
    expect(JSON.parse(out.stdout).warnings.join(' ')).toMatch(/1 message.*sentAt/);
  });

  it('counts only the messages sent without their sentAt: one kept back for its size is not', async () => {
    const big = { ...record('d2'), properties: { order_id: 'd2', note: 'x'.repeat(40_000) } };
    const out = await runCli(['call', 'SEGMENT_BATCH', '--dry-run', '--json', '--args', JSON.stringify({ batch: [record('d1'), big] })], { env: env() });
    const answer = JSON.parse(out.stdout);
    expect(answer.data.notes.rejected_before_sending).toHaveLength(1);
    expect(answer.data.notes.sent_at_left_out).toBe(1);
    expect(answer.warnings.join(' ')).toMatch(/1 message came with a sentAt of its own/);
  });

  it('import: an archive\'s records are stored at their own timestamps', async () => {
    const file = join(dir, 'archive.ndjson');
    writeFileSync(file, `${[record('i1'), record('i2'), record('i3')].map((r) => JSON.stringify(r)).join('\n')}\n`);
    // One call a record: the summary still says it once, for the run.
    const out = await runCli(['import', file, '--write=allow', '--json', '--batch-size', '1'], { env: env() });
    expect(out.code, out.stderr).toBe(0);
    const summary = JSON.parse(out.stdout).files[0];
    expect(summary.accepted).toBe(3);
    expect(summary.warnings.filter((w: string) => /sentAt/.test(w))).toEqual([expect.stringMatching(/^3 records came with a sentAt/)]);
    expect(Math.max(off('i1'), off('i2'), off('i3'))).toBeLessThan(5_000);
    expect(sentWith('i1')).toBeUndefined();
  });
});
