import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import type { HttpClient, HttpResponse } from '../../src/http/client.js';
import { checkToken, checkWriteKey, tokenRefused } from '../../src/connections/verify.js';
import { loadRegistry } from '../../src/inventory.js';

type Handler = (url: URL, headers: Record<string, string>) => HttpResponse;
type Sent = { method: string; url: string; headers: Record<string, string> };

/** A fake HTTP client: answers from a function and records each URL asked for. */
function fakeHttp(handler: Handler) {
  const urls: URL[] = [];
  const sent: Sent[] = [];
  const http: HttpClient = {
    async send(req) {
      const url = new URL(req.url);
      urls.push(url);
      sent.push({ method: req.method, url: req.url, headers: req.headers });
      return handler(url, req.headers);
    },
    async close() {},
  };
  return { http, urls, sent };
}

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: {}, text: JSON.stringify(body) });
const config = loadRuntimeConfig({}, { SEGMENT_PUBLIC_API_URL: 'http://segment.test', SEGMENT_ROUTER_RETRY_BASE_MS: '1', SEGMENT_ROUTER_MIN_RETRY_AFTER_MS: '0' });
const active = { state: 'ACTIVE' as const, detail: 'ok', at: 'then', worked: true, workspace: { id: 'ws', slug: 'acme', name: 'Acme' } };

describe('token check (GET /)', () => {
  it('ACTIVE with the workspace', async () => {
    const { http, urls } = fakeHttp((_u, h) => (h.Authorization === 'Bearer good' ? json(200, { data: { workspace: { id: 'ws', slug: 'acme', name: 'Acme' } } }) : json(401, {})));
    const r = await checkToken({ http, config }, 'good', 'us');
    expect(r).toMatchObject({ state: 'ACTIVE', worked: true, workspace: { id: 'ws', slug: 'acme', name: 'Acme' } });
    expect(urls[0]!.pathname).toBe('/');
  });

  it('401 on a token never seen working is FAILED; after it worked it is EXPIRED', async () => {
    const { http } = fakeHttp(() => json(401, { errors: [{ type: 'unauthorized' }] }));
    expect((await checkToken({ http, config }, 't', 'us')).state).toBe('FAILED');
    expect((await checkToken({ http, config }, 't', 'us', active)).state).toBe('EXPIRED');
    const expired = await checkToken({ http, config }, 't', 'us', { state: 'EXPIRED', detail: '', at: '', worked: true });
    expect(expired.state).toBe('EXPIRED');
  });

  // Found by an adversarial review (2026-12-07): a host that echoed the token into the workspace's name had it
  // shown whole by MANAGE_CONNECTIONS, the connect page and the store; and an HTML page answered 200 made the token ACTIVE.
  it('names an answer echoes the secrets into are masked once, here; a 200 that is not the Public API\'s answer is no proof', async () => {
    const token = 'tk-echoed-secret-0123456789';
    const writeKey = 'wk-echoed-secret-9876543210';
    const echo = fakeHttp((u, h) => {
      const t = h.Authorization!.replace('Bearer ', '');
      if (u.pathname === '/') return json(200, { data: { workspace: { id: 'ws', slug: t, name: `W ${t}` } } });
      return json(200, { data: { sources: [{ name: `Source ${t.slice(0, 14)}|${writeKey.slice(6)}`, writeKeys: [writeKey] }], pagination: {} } });
    });
    const checked = await checkToken({ http: echo.http, config }, token, 'us');
    expect(checked.state).toBe('ACTIVE');
    const key = await checkWriteKey({ http: echo.http, config }, writeKey, 'us', token, checked);
    const shown = JSON.stringify([checked, key]);
    // No piece of either: half of it or more (shorter pieces are not masked, security/redact.ts says why), and the whole.
    for (const secret of [token, writeKey]) for (let i = 0; i + 13 <= secret.length; i++) expect(shown).not.toContain(secret.slice(i, i + 13));
    expect(checked.workspace!.name).toMatch(/^W \*{4}/);

    for (const body of ['<html>Sign in to the proxy</html>', '{"ok":true}']) {
      const page = fakeHttp(() => ({ status: 200, headers: {}, text: body }));
      const r = await checkToken({ http: page.http, config }, token, 'us');
      expect(r).toMatchObject({ state: 'FAILED', detail: expect.stringContaining('http://segment.test answered HTTP 200 without a workspace') });
    }
  });

  it('the write key\'s check says the Public API could not be reached when it could not, not that the token failed', async () => {
    const none = fakeHttp(() => json(500, {}));
    const r = await checkWriteKey({ http: none.http, config }, 'wk', 'us', 'tok', { state: 'FAILED', detail: '', at: '', unreachable: true });
    expect(r.detail).toContain('the Public API could not be reached');
  });

  it('a 503 is a failed check, marked unreachable (the token was not refused)', async () => {
    const { http } = fakeHttp(() => json(503, {}));
    const r = await checkToken({ http, config }, 't', 'us', active);
    expect(r).toMatchObject({ state: 'FAILED', unreachable: true, worked: true });
  });
});

describe('the checks build their requests as the tools do', () => {
  const tool = (slug: string, args: Record<string, unknown>, token: string) => {
    const { method, url, headers } = loadRegistry().get(slug)!.prepare(args, { config, credentials: { token, region: 'us' } }).requests[0]!;
    return { method, url, headers };
  };

  it('the token check sends what SEGMENT_GET_WORKSPACE would', async () => {
    const { http, sent } = fakeHttp(() => json(200, { data: { workspace: { id: 'ws' } } }));
    await checkToken({ http, config }, 'tok', 'us');
    expect(sent).toEqual([tool('SEGMENT_GET_WORKSPACE', {}, 'tok')]);
  });

  it('the write key check sends what SEGMENT_LIST_SOURCES would, page by page', async () => {
    const { http, sent } = fakeHttp((u) =>
      u.searchParams.get('pagination[cursor]') ? json(200, { data: { sources: [{ name: 'Web', writeKeys: ['wk'] }], pagination: {} } }) : json(200, { data: { sources: [], pagination: { next: 'p2' } } }),
    );
    await checkWriteKey({ http, config }, 'wk', 'us', 'tok', active);
    expect(sent).toEqual([tool('SEGMENT_LIST_SOURCES', { pagination: { count: 1000 } }, 'tok'), tool('SEGMENT_LIST_SOURCES', { pagination: { count: 1000, cursor: 'p2' } }, 'tok')]);
  });
});

describe('the 401 rule', () => {
  it('EXPIRED once the token worked, else FAILED; a check adds the other region as a cause', () => {
    expect(tokenRefused(true, 'now')).toMatchObject({ state: 'EXPIRED', worked: true });
    expect(tokenRefused(false, 'now')).toMatchObject({ state: 'FAILED', detail: 'Segment refused the token (HTTP 401): it is wrong or revoked.' });
    expect(tokenRefused(false, 'now', 'us').detail).toMatch(/EU workspace/);
    expect(tokenRefused(false, 'now', 'eu').detail).toMatch(/US workspace/);
  });
});

describe('write key check (GET /sources, paginated)', () => {
  it('follows pagination cursors and reports the source name', async () => {
    const { http, urls } = fakeHttp((u) => {
      const cursor = u.searchParams.get('pagination[cursor]');
      if (!cursor) return json(200, { data: { sources: [{ name: 'App', writeKeys: ['other'] }], pagination: { current: 'a', next: 'page/2' } } });
      return json(200, { data: { sources: [{ name: 'Website', writeKeys: ['wk1', 'wk2'] }], pagination: { current: cursor } } });
    });
    const r = await checkWriteKey({ http, config }, 'wk2', 'us', 'tok', active);
    expect(r).toMatchObject({ state: 'ACTIVE', source_name: 'Website' });
    expect(urls.map((u) => u.searchParams.get('pagination[cursor]'))).toEqual([null, 'page/2']);
    expect(urls[0]!.searchParams.get('pagination[count]')).toBe('1000');
  });

  it('not in any source: FAILED, naming the workspace', async () => {
    const { http } = fakeHttp(() => json(200, { data: { sources: [{ name: 'App', writeKeys: ['other'] }], pagination: {} } }));
    const r = await checkWriteKey({ http, config }, 'wk', 'us', 'tok', active);
    expect(r.state).toBe('FAILED');
    expect(r.detail).toMatch(/"Acme"/);
  });

  it('UNVERIFIED, never ACTIVE, when it cannot be checked', async () => {
    const forbidden = fakeHttp(() => json(403, {}));
    expect((await checkWriteKey({ http: forbidden.http, config }, 'wk', 'us', 'tok', active)).detail).toMatch(/cannot read sources/);
    const hidden = fakeHttp(() => json(200, { data: { sources: [{ name: 'App' }], pagination: {} } }));
    expect(await checkWriteKey({ http: hidden.http, config }, 'wk', 'us', 'tok', active)).toMatchObject({ state: 'UNVERIFIED' });
    const none = fakeHttp(() => json(500, {}));
    expect((await checkWriteKey({ http: none.http, config }, 'wk', 'us', undefined, undefined)).detail).toMatch(/no Public API token/);
    expect(none.urls).toHaveLength(0);
    expect((await checkWriteKey({ http: none.http, config }, 'wk', 'us', 'tok', { state: 'FAILED', detail: '', at: '' })).state).toBe('UNVERIFIED');
    expect(none.urls).toHaveLength(0);
  });
});
