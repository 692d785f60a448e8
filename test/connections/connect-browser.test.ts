import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, sandboxWithRouter, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { NO_ENV_CREDS } from '../helpers/connections.js';

/**
 * The connect page in a real headless browser (Debian's Chromium driven by playwright-core):
 * fill the form, submit, the connection becomes ACTIVE; a wrong or reused link is refused.
 * .ci/run installs Chromium; on a machine without it only this file is skipped, and says so.
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[connect-browser] SKIPPED: ${CHROMIUM} not found. Install Debian's chromium (apt-get install chromium) to run the connect-page browser test; .ci/run does.`);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const TITLE = 'connect page in headless Chromium';
describe.skipIf(!hasChromium)(hasChromium ? TITLE : `${TITLE} (SKIPPED: ${CHROMIUM} not found; apt-get install chromium)`, () => {
  let context: BrowserContext;
  let profile: string;
  let h: Awaited<ReturnType<typeof sandboxWithRouter>>;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'sr-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    h = await sandboxWithRouter({ env: NO_ENV_CREDS });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await h?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('fill, submit: the status becomes ACTIVE; the used link and a wrong link are refused', async () => {
    const connect = await h.call('MANAGE_CONNECTIONS', { action: 'connect' });
    const url: string = connect.structured.results[0].redirect_url;
    expect(connect.structured.results[0].status).toBe('INITIATED');
    const page = await context.newPage();

    // A wrong one-time token.
    const wrong = await page.goto(url.replace(/\/connect\/.+$/, `/connect/${'x'.repeat(43)}`));
    expect(wrong?.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('Link not valid');

    // The real link: a wrong token first, then the right credentials.
    expect((await page.goto(url))?.status()).toBe(200);
    expect(await page.title()).toBe('Connect Segment');
    await page.fill('#token', 'sgp_definitely_not_valid_0000');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error', { timeout: 5000 });
    expect(await page.textContent('.error')).toMatch(/HTTP 401/);
    expect(await page.inputValue('#token')).toBe(''); // never echoed back
    expect((await h.call('MANAGE_CONNECTIONS', {})).structured.results[0].status).toBe('INITIATED');

    await page.fill('#writeKey', WRITE_KEY);
    await page.fill('#token', TOKEN);
    await page.selectOption('#region', 'us');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).toBe('Segment connected');
    expect(await page.textContent('#status')).toBe('ACTIVE');
    const html = await page.content();
    expect(html).toContain('Sandbox Workspace');
    expect(html).toContain('Website');
    expectNoSecrets(html);

    const status = await h.call('MANAGE_CONNECTIONS', {});
    expect(status.structured.results[0]).toMatchObject({ status: 'ACTIVE', source: 'store', workspace: { name: 'Sandbox Workspace' }, capabilities: { tracking: { state: 'ACTIVE', source_name: 'Website' }, public_api: { state: 'ACTIVE' } } });
    expectNoSecrets(status.text, h.router.stderr());

    // The same link again: spent.
    const reused = await page.goto(url);
    expect(reused?.status()).toBe(410);
    expect(await page.textContent('h1')).toBe('Link already used');
  });

  it('a form page left open after its link was used cannot submit again', async () => {
    const url: string = (await h.call('MANAGE_CONNECTIONS', { action: 'connect' })).structured.results[0].redirect_url;
    const a = await context.newPage();
    const b = await context.newPage();
    await a.goto(url);
    await b.goto(url);
    // Empty fields keep what is stored: this saves (re-checked) and spends the link.
    await Promise.all([a.waitForNavigation(), a.click('button[type=submit]')]);
    expect(await a.textContent('#status', { timeout: 5000 })).toBe('ACTIVE');
    await b.fill('#token', TOKEN);
    const [res] = await Promise.all([b.waitForNavigation(), b.click('button[type=submit]')]);
    expect(res?.status()).toBe(410);
  });
});
