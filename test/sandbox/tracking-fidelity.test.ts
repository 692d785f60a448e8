import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

// Found by a fidelity review against Segment's documented behaviour (2026-12-07): the sandbox kept events
// Segment drops after its 200 (no event name, no groupId, alias without previousId, an unknown write
// key), and answered an oversized Tracking API body 413 in the Public API's format where Segment says 400.
describe('the sandbox Tracking API, as Segment answers', () => {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });
  const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' });
  const post = (path: string, body: unknown, key = 'sandbox-write-key') => fetch(`${sb!.url}${path}`, { method: 'POST', headers: basic(key), body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers 200 and drops a message without the ids or name its call needs', async () => {
    sb = await startSandbox();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['/v1/track', { userId: 'u1', messageId: 'm1' }, /event/],
      ['/v1/track', { userId: 'u1', event: '', messageId: 'm2' }, /event/],
      ['/v1/group', { userId: 'u1', messageId: 'm3' }, /groupId/],
      ['/v1/alias', { messageId: 'm4' }, /previousId/],
      ['/v1/alias', { previousId: 'a1', messageId: 'm5' }, /userId/],
    ];
    for (const [path, body] of cases) expect((await post(path, body)).status).toBe(200);
    expect(sb.events.map((e) => e.dropped)).toEqual(cases.map(([, , why]) => expect.stringMatching(why)));
    const ok = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u1', event: 'Kept', messageId: 'm6' }, { type: 'group', userId: 'u1', messageId: 'm7' }] });
    expect(ok.status).toBe(200);
    expect(sb.events.slice(-2).map((e) => e.dropped)).toEqual([undefined, expect.stringMatching(/groupId/)]);
  });

  it('answers 200 to an unknown write key and drops what it sent; a missing key too', async () => {
    sb = await startSandbox({ writeKeys: ['wk_known_key_0123'] });
    expect((await post('/v1/track', { userId: 'u1', event: 'E', messageId: 'k1' }, 'wk_known_key_0123')).status).toBe(200);
    expect((await post('/v1/track', { userId: 'u1', event: 'E', messageId: 'k2' }, 'wk_unknown_0000')).status).toBe(200);
    expect((await fetch(`${sb.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u1', event: 'E', messageId: 'k3' }) })).status).toBe(200);
    expect(sb.events.map((e) => e.dropped)).toEqual([undefined, expect.stringMatching(/write key/), expect.stringMatching(/write key/)]);
  });

  it('answers 400 in its own format to a body over what the sandbox reads, on the Tracking API', async () => {
    sb = await startSandbox({ maxBodyBytes: 100_000 });
    const r = await post('/v1/batch', 'x'.repeat(200_000));
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ success: false });
    const pub = await fetch(`${sb.url}/sources`, { method: 'POST', headers: { authorization: 'Bearer sandbox-token' }, body: 'x'.repeat(200_000) });
    expect(pub.status).toBe(413);
  });
});

// Segment's spec (docs/segment-facts.md, "Timestamps"): the time it stores is receivedAt - (sentAt -
// originalTimestamp), originalTimestamp being the timestamp the call gave. A message sent with a sentAt
// from long ago (an archive's record) is stored at about the time it was received, its own time lost.
describe('the sandbox stores the time Segment would', () => {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });
  const post = (path: string, body: unknown) => fetch(`${sb!.url}${path}`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('sandbox-write-key:').toString('base64')}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ms = (iso: string | undefined) => Date.parse(String(iso));

  it('timestamp - sentAt + receivedAt, with the message\'s own sentAt before the request\'s; the timestamp alone when there is no sentAt', async () => {
    sb = await startSandbox();
    const now = new Date().toISOString();
    await post('/v1/batch', {
      sentAt: now,
      batch: [
        { type: 'track', userId: 'u1', event: 'E', messageId: 't1', timestamp: '2025-01-01T10:00:00.000Z' },
        { type: 'track', userId: 'u1', event: 'E', messageId: 't2', timestamp: '2025-01-01T10:00:00.000Z', sentAt: '2025-01-01T10:00:00.500Z' },
        { type: 'track', userId: 'u1', event: 'E', messageId: 't3' },
      ],
    });
    await post('/v1/track', { userId: 'u1', event: 'E', messageId: 't4', timestamp: '2025-01-01T10:00:00.000Z' });
    const [kept, lost, none, alone] = sb.events;
    expect(Math.abs(ms(kept!.timestamp) - ms('2025-01-01T10:00:00.000Z'))).toBeLessThan(5_000);
    expect(Math.abs(ms(lost!.timestamp) - ms(lost!.receivedAt))).toBeLessThan(5_000);
    expect(lost!.sentAt).toBe('2025-01-01T10:00:00.500Z');
    expect(none!.timestamp).toBe(none!.receivedAt);
    expect(alone!.timestamp).toBe('2025-01-01T10:00:00.000Z');
  });
});
