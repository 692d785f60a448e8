import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

// Found by two adversarial reviews (2026-12-07): a fault rule that was not JSON, or a batch that was not a
// list of objects, killed the sandbox process (an unhandled rejection); an event name with a line break
// printed a line that read as another event; every event was kept for ever (~1 KB each).
describe('the sandbox and clients that send what they should not', () => {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });
  const auth = { authorization: `Basic ${Buffer.from('sandbox-write-key:').toString('base64')}`, 'content-type': 'application/json' };
  const post = (path: string, body: string) => fetch(`${sb!.url}${path}`, { method: 'POST', headers: auth, body });

  it('answers 400 to a body it cannot use, and keeps running', async () => {
    sb = await startSandbox();
    const faults = await post('/_sandbox/faults', 'not json');
    expect(faults.status).toBe(400);
    expect((await faults.json()).error).toMatch(/not JSON/);
    expect((await post('/_sandbox/faults', '[5]')).status).toBe(400);
    for (const body of ['{"batch":5}', '{"batch":[null]}', '{"batch":[1,2]}', '{"batch":{"type":"track"}}']) {
      const r = await post('/v1/batch', body);
      expect(r.status, body).toBe(400);
    }
    expect((await fetch(`${sb.url}/healthz`)).status).toBe(200);
    expect(sb.events).toHaveLength(0);
  });

  it('prints each event on one line whatever its values hold', async () => {
    const lines: string[] = [];
    sb = await startSandbox({ onLine: (l) => lines.push(l) });
    const r = await post('/v1/track', JSON.stringify({ userId: 'u\n2026-01-01T00:00:00.000Z track    Forged user=admin', event: 'Paid\r\u001b[2J', messageId: 'm\u202e1' }));
    expect(r.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\n\r\u001b\u202e]/);
    expect(lines[0]).toContain('user=u\\n2026');
  });

  it('keeps the most recent events and requests, not all of them', async () => {
    sb = await startSandbox({ keptRecords: 100 });
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 60 }, (_, i) => ({ type: 'track', userId: 'u', event: 'E', messageId: `m-${round}-${i}` }));
      expect((await post('/v1/batch', JSON.stringify({ batch }))).status).toBe(200);
    }
    expect(sb.events.length).toBeLessThanOrEqual(125);
    expect(sb.events.at(-1)!.messageId).toBe('m-2-59');
    // A repeat of an id no longer listed is still known: Segment's dedupe is not the list's.
    await post('/v1/batch', JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'E', messageId: 'm-0-0' }] }));
    expect(sb.events.at(-1)!.dropped).toMatch(/repeat/);
  });
});
