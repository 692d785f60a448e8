import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { Redactor } from '../../src/security/redact.js';
import { maskedSnippet } from '../../src/security/snippet.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { inProcessEnv } from '../helpers/inprocess.js';

/**
 * Secrets in transformed form. A secret holding `"`, `\` or a control character leaked JSON-escaped
 * from an echoing upstream (and into the audit log with --audit-payloads); upper- or lower-cased,
 * hex, base64 or split across two fields, it leaked through the 200-character upstream snippet.
 */

const KEY = `wk"q\\z\u0007${randomBytes(12).toString('hex')}`;
const escaped = JSON.stringify(KEY).slice(1, -1);
const half = Math.floor(KEY.length / 2);

/** Every 8-character piece of the secret in each of its forms, in any case: any one in the output is a leak. */
function leak(text: string): string | undefined {
  const lower = text.toLowerCase();
  // Base64 at each of the three byte alignments it can take inside a longer blob (the first group may mix in other bytes).
  const b64 = [0, 1, 2].map((o) => Buffer.concat([Buffer.alloc(o), Buffer.from(KEY)]).toString('base64').slice(4, 24));
  const forms = [KEY, escaped, JSON.stringify(escaped).slice(1, -1), Buffer.from(KEY).toString('hex'), ...b64];
  for (const f of forms) {
    const l = f.toLowerCase();
    for (let i = 0; i + 8 <= l.length; i++) if (lower.includes(l.slice(i, i + 8))) return `"${f.slice(i, i + 8)}" of ${JSON.stringify(f)} in ${text.slice(0, 300)}`;
  }
  return undefined;
}

const echoes: Record<string, unknown> = {
  'JSON-escaped (the raw secret in a JSON body)': { message: `bad key ${KEY}` },
  'escaped twice (a JSON string inside JSON)': { message: JSON.stringify({ key: KEY }) },
  'upper-cased': { message: `bad key ${KEY.toUpperCase()}` },
  'lower-cased': { message: `bad key ${KEY.toLowerCase()}` },
  'hex': { message: `key=${Buffer.from(KEY).toString('hex')}` },
  'HEX': { message: `key=${Buffer.from(KEY).toString('hex').toUpperCase()}` },
  'base64 inside a longer base64 text': { message: `blob=${Buffer.from(`{"writeKey":"${KEY}"}`).toString('base64')}` },
  'split across two fields': { a: KEY.slice(0, half), b: KEY.slice(half) },
};

let sb: Sandbox;
let app: App;
beforeAll(async () => {
  sb = await startSandbox({ writeKeys: [KEY] });
  app = createApp({ write: 'allow', auditPayloads: true, env: inProcessEnv(sb, { SEGMENT_WRITE_KEY: KEY, SEGMENT_PUBLIC_API_TOKEN: undefined as unknown as string }) });
  await app.connections.credentials(); // the redactor learns the key as the service reads it
});
afterAll(async () => {
  await app.close();
  await sb.close();
});

describe('a secret echoed back in another form', () => {
  for (const [form, body] of Object.entries(echoes)) {
    it(`${form}: masked in the answer`, async () => {
      sb.faults.add({ path: '/v1/track', status: 400, body });
      const res = await app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Echo' } });
      expect(res.successful).toBe(false);
      expect(JSON.stringify(res.error)).toMatch(/HTTP 400/);
      const text = JSON.stringify(res);
      expect(leak(text), text).toBeUndefined();
      expect(leak(JSON.parse(text).error.message)).toBeUndefined();
    });
  }

  it('the audit log with --audit-payloads: a secret in the arguments is masked in its escaped form', async () => {
    await app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Audit', properties: { pasted: KEY, upper: KEY.toUpperCase() } } });
    const audit = readFileSync(join(app.config.audit.dir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"event":"Audit"');
    expect(leak(audit)).toBeUndefined();
  });
});

describe('mask, then cut', () => {
  it('a snippet cut from masked text never ends in a piece of a secret', () => {
    const r = new Redactor();
    r.add(KEY);
    for (let pad = 150; pad < 200; pad++) {
      const snippet = maskedSnippet(`${'x'.repeat(pad)}${KEY}${KEY.toUpperCase()}`, (t) => r.upstream(t));
      expect(snippet.length).toBeLessThanOrEqual(200);
      expect(leak(snippet)).toBeUndefined();
    }
  });
});
