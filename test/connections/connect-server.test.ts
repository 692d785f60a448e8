import { request } from 'node:http';
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

  /** The form page's CSRF token and cookie, as a browser holds them. */
  async function formOf(url: string) {
    const page = await rawRequest(url, { headers: { Host: new URL(url).host } });
    return { csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]!, cookie: String(page.headers['set-cookie']).split(';')[0]!, setCookie: String(page.headers['set-cookie']) };
  }

  /** A form POST whose headers go now and whose body goes once `bodyAfter` resolves. */
  function slowPost(url: string, form: { csrf: string; cookie: string }, region: string, bodyAfter: Promise<unknown>): Promise<number> {
    const u = new URL(url);
    const body = new URLSearchParams({ csrf: form.csrf, token: 'sgp_slow_token_0123456789', writeKey: '', region }).toString();
    return new Promise((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { Host: u.host, Origin: u.origin, Cookie: form.cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.flushHeaders();
      void bodyAfter.then(() => req.end(body));
    });
  }

  // Found by a review (2026-12-07): the link's checks ran before the body was read and not after, so a
  // body sent slowly was submitted after the link expired, and a second submission raced past the first.
  it('a form whose body arrives after the link expired is refused, and nothing is submitted', async () => {
    const { p, submitted } = portal(400);
    const link = await p.open('default');
    const form = await formOf(link.url);
    const status = await slowPost(link.url, form, 'us', new Promise((r) => setTimeout(r, 600)));
    expect(status).toBe(410);
    expect(submitted).toEqual([]);
    await p.close();
  });

  it('a second submission whose body arrives after the first one used the link is refused', async () => {
    const { p, submitted } = portal(60_000);
    const link = await p.open('default');
    const form = await formOf(link.url);
    let release!: () => void;
    const second = slowPost(link.url, form, 'eu', new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 100));
    expect(await slowPost(link.url, form, 'us', Promise.resolve())).toBe(200);
    release();
    expect(await second).toBe(410);
    expect(submitted.map((s) => s.region)).toEqual(['us']);
    await p.close();
  });

  it("each link's form cookie is its own: opening a second link does not spoil the first one's form", async () => {
    const { p, submitted } = portal(60_000);
    const a = await p.open('alpha');
    const b = await p.open('beta');
    const formA = await formOf(a.url);
    const formB = await formOf(b.url);
    expect(formA.setCookie).toContain(`Path=${new URL(a.url).pathname}`);
    expect(formB.setCookie).toContain(`Path=${new URL(b.url).pathname}`);
    expect(await slowPost(a.url, formA, 'us', Promise.resolve())).toBe(200);
    expect(await slowPost(b.url, formB, 'us', Promise.resolve())).toBe(200);
    expect(submitted).toHaveLength(2);
    await p.close();
  });
});
