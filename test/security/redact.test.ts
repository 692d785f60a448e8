import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/security/redact.js';
import { checkNaming, nameRewrites } from '../../src/quality/naming.js';
import { Findings } from '../../src/quality/findings.js';

describe('redaction', () => {
  // Found by an adversarial review (2026-12-06): a write key used as an event name and a property key came
  // back in the naming fix; a first mend derived the forms by itself and missed 44 % of random keys.
  it('masks a secret as the naming check rewrites it (its event-name and key fixes), for any key', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % alphabet.length;
    const keys = ['Xy7KpQ2mNvR8sT4wLzA9bC1dE6fG3hJ0', 'myWriteKeyOfTheProd', ...Array.from({ length: 300 }, () => Array.from({ length: 32 }, () => alphabet[next()]).join(''))];
    for (const key of keys) {
      const r = new Redactor(nameRewrites);
      r.add(key);
      const found = new Findings();
      // The key as written, and upper- and lower-cased (a second review: those split into other words).
      for (const name of [key, key.toUpperCase(), key.toLowerCase()]) for (const style of ['snake', 'camel'] as const) checkNaming('track', { event: name, properties: { [name]: 1 } }, style, 0, found);
      const out = r.text(JSON.stringify(found.listed));
      for (const f of found.listed) if (f.fix) expect(out, key).not.toContain(f.fix);
    }
  });

  it('masks a secret and its Basic-auth encoding to at most the last four characters', () => {
    const r = new Redactor();
    r.add('wk_super_secret_value_9876');
    const basic = Buffer.from('wk_super_secret_value_9876:').toString('base64');
    const out = r.text(`key=wk_super_secret_value_9876 auth=Basic ${basic}`);
    expect(out).not.toContain('wk_super_secret_value_9876');
    expect(out).not.toContain(basic);
    expect(out).toContain('****9876');
  });

  // Found by an adversarial review (2026-12-06): halves of a secret echoed by an upstream.
  const secret = 'tokA9x7Qp2LmZ4vR8sK1wN6bY3cD5';
  const halves = `first half ${secret.slice(0, 14)} second half ${secret.slice(14)}`;

  it('masks the halves of a secret in upstream text even when lower-casing changes the text\'s length ("İ")', () => {
    const r = new Redactor();
    r.add(secret);
    const out = r.upstream(`İ ${halves}`);
    expect(out).not.toContain(secret.slice(0, 14));
    expect(out).not.toContain(secret.slice(14));
    expect(out).toMatch(/^İ first half \*\*\*\* second half \*\*\*\*$/);
  });

  it('masks the halves of a secret in a successful answer (a value), not only in error text', () => {
    const r = new Redactor();
    r.add(secret);
    const out = JSON.stringify(r.value({ data: { a: secret.slice(0, 14), b: [secret.slice(14)], untouched: 'plain words' } }));
    expect(out).not.toContain(secret.slice(0, 14));
    expect(out).not.toContain(secret.slice(14));
    expect(out).toContain('plain words');
  });

  it('masks a secret written with every character percent-encoded', () => {
    const r = new Redactor();
    r.add(secret);
    for (const hex of [(c: string) => c.charCodeAt(0).toString(16), (c: string) => c.charCodeAt(0).toString(16).toUpperCase()]) {
      const encoded = [...secret].map((c) => `%${hex(c)}`).join('');
      expect(r.text(`token=${encoded}&x=1`)).toBe('token=****&x=1');
    }
  });

  // Found by an adversarial review (2026-12-07): an upstream's 400 body echoed the token with every character escaped.
  it('masks a secret with every character escaped: \\u00XX (once or twice escaped), \\xXX, in either case', () => {
    const r = new Redactor();
    r.add(secret);
    const u = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const x = [...secret].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    for (const form of [u, u.toUpperCase().replaceAll('\\U', '\\u'), u.replaceAll('\\', '\\\\'), x, x.toUpperCase().replaceAll('\\X', '\\x')]) {
      const out = r.upstream(`{"error":"bad token ${form}"}`);
      expect(out, form).not.toContain(form);
      expect(out).toContain('****');
    }
  });

  // Found by an adversarial review (2026-12-07): whether a text the caller chose came back masked told
  // the caller whether it held 8 characters of the key; a script read a 32-character write key in 59 calls.
  it('a piece shorter than half the secret is not masked: masking would tell its writer it guessed right', () => {
    const key = 'Qx7pL2mZ9vR4tK8wB3nY6cF1hJ5sD0gA';
    const r = new Redactor();
    r.add(key);
    const guess = key.slice(20, 28);
    const encoded = [...guess].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    for (const text of [`Source ${guess} not found`, `Source ${encoded} not found`]) {
      expect(r.upstream(text)).toBe(text);
      expect(r.value({ properties: { note: text } })).toEqual({ properties: { note: text } });
    }
    // Half of it is the secret: masked in whatever form it comes.
    const half = key.slice(0, 16);
    expect(r.upstream(`a ${half} b`)).toBe('a **** b');
    expect(r.upstream(`a ${[...half].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')} b`)).toBe('a **** b');
    expect(JSON.stringify(r.value({ a: key.slice(16) }))).not.toContain(key.slice(16));
  });

  // Found by the review of the mends (2026-12-07): a secret written \xXX inside a JSON error body (so \\xXX
  // in the text the redactor reads) came back with 50 of its 72 characters readable, whole or in halves.
  it('masks a secret written \\xXX inside JSON text, whole and in halves', () => {
    const r = new Redactor();
    r.add(secret);
    const x = (t: string) => [...Buffer.from(t)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    const h = Math.ceil(secret.length / 2);
    for (const message of [x(secret), `${x(secret.slice(0, h))} and ${x(secret.slice(h))}`]) {
      const body = JSON.stringify({ errors: [{ message }] });
      const out = r.upstream(body);
      const decoded = [...out.replace(/\\\\/g, '\\').matchAll(/((?:\\x[0-9a-f]{2})+)/g)].map((m) => Buffer.from(m[1]!.replace(/\\x/g, ''), 'hex').toString());
      for (const d of decoded) expect(d.length, d).toBeLessThan(8);
    }
  });

  it('an answer\'s own words that happen to spell a piece of the key in another case are left alone', () => {
    const r = new Redactor();
    r.add('wk_TEST_SECRET_write_key_0123456789');
    const answer = { slugs: ['SEGMENT_CREATE_WRITE_KEY_FOR_SOURCE', 'SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE'] };
    expect(r.value(answer)).toEqual(answer);
  });
});
