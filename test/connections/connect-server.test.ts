import { describe, expect, it } from 'vitest';
import { ConnectPortal } from '../../src/connections/connect-server.js';
import type { SubmitInput } from '../../src/connections/types.js';
import { rawRequest } from '../helpers/connections.js';

function portal(ttlMs?: number) {
  const submitted: SubmitInput[] = [];
  const p = new ConnectPortal(
    {
      submit: async (_name, input) => {
        submitted.push(input);
        return { ok: true, view: { connection: 'default', status: 'ACTIVE', region: input.region, tracking: 'ACTIVE', publicApi: 'ACTIVE' } };
      },
      describe: () => ({ region: 'us', stored: { writeKey: false, token: false } }),
    },
    ttlMs,
  );
  return { p, submitted };
}

describe('connect links', () => {
  it('expire: the page refuses them and the connection is no longer INITIATED', async () => {
    const { p } = portal(300);
    const link = await p.open('default');
    expect(p.pending('default')?.url).toBe(link.url);
    expect(Date.parse(link.expires_at) - Date.now()).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 350));
    expect(p.pending('default')).toBeUndefined();
    const res = await rawRequest(link.url, { headers: { Host: new URL(link.url).host } });
    expect(res.status).toBe(410);
    expect(res.body).toMatch(/expired/);
    await p.close();
  });

  it('last ten minutes by default, and each link has its own unguessable token', async () => {
    const { p } = portal();
    const a = await p.open('a');
    const b = await p.open('b');
    expect(Date.parse(a.expires_at) - Date.now()).toBeGreaterThan(10 * 60_000 - 5_000);
    expect(a.url).not.toBe(b.url);
    expect(new URL(a.url).hostname).toBe('127.0.0.1');
    expect(new URL(a.url).pathname.split('/').pop()).toHaveLength(43); // 32 random bytes, base64url
    await p.close();
  });

  it('a withdrawn link stops working, and the listener closes when no link is left', async () => {
    const { p } = portal(60_000);
    const link = await p.open('default');
    p.cancel('default');
    expect(p.pending('default')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    await expect(rawRequest(link.url, { headers: { Host: new URL(link.url).host } })).rejects.toThrow(/ECONNREFUSED/);
  });
});
