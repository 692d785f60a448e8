import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkPii, detect, findNationalId, luhn, mask } from '../../src/quality/pii.js';
import { Findings } from '../../src/quality/findings.js';

const pii = (type: string, message: Record<string, unknown>) => {
  const out = new Findings();
  checkPii(type, message, 0, out);
  return out.listed;
};

describe('PII in values', () => {
  it.each([
    ['email', 'ada.lovelace+news@example.co.uk'],
    ['email', 'write to ada@example.com today'],
    ['phone', '+44 20 7946 0958'],
    ['phone', '+14155550123'],
    ['phone', 'call (415) 555-0123 after six'],
    ['phone', '415-555-0123'],
    ['card', '4111 1111 1111 1111'],
    ['card', '5500-0000-0000-0004'],
    ['card', '378282246310005'],
    ['national_id', '123-45-6789'],
    ['national_id', 'AB 12 34 56 C'],
  ])('%s: "%s" is reported', (kind, value) => {
    const found = pii('track', { properties: { note: value } });
    expect(found).toEqual([expect.objectContaining({ index: 0, severity: 'warning', kind: 'pii', field: 'properties.note' })]);
    expect(found[0]!.message).toContain(kind === 'national_id' ? 'national id' : kind === 'card' ? 'card' : kind);
    expect(found[0]!.fix).toBeTruthy();
  });

  it.each([
    ['an all-digit order id that fails Luhn', '4111111111111112'],
    ['an all-digit order id with no card prefix', '1234567812345670'],
    ['a timestamp in milliseconds', '1733300000000'],
    ['an ISO date', '2026-12-04T05:41:04Z'],
    ['a plain number as text', '12345678'],
    ['a version', '10.2.3456.7890'],
    ['an at sign that is not an address', 'meet @ noon'],
    ['a handle', '@ada'],
    ['a price', '+12.50'],
    ['an invalid SSN area', '000-12-3456'],
  ])('no alarm on %s ("%s")', (_what, value) => {
    expect(pii('track', { properties: { order_id: value } })).toEqual([]);
  });

  it('judges values, not keys: user_email holding no address is no alarm; an address under any key is', () => {
    expect(pii('track', { properties: { user_email: true, user_email_hash: 'a1b2c3', email_opt_in: 'yes' } })).toEqual([]);
    expect(pii('track', { properties: { comment: 'ada@example.com' } })).toHaveLength(1);
  });

  it('a card number sent as a number is reported; an order number is not', () => {
    expect(pii('track', { properties: { pan: 4111111111111111 } })).toEqual([expect.objectContaining({ field: 'properties.pan', kind: 'pii' })]);
    expect(pii('track', { properties: { order_number: 4111111111111112, total: 1733300000000 } })).toEqual([]);
  });

  it('identify and group traits may carry email and phone, as Segment intends; cards and national ids never', () => {
    expect(pii('identify', { traits: { email: 'ada@example.com', phone: '+44 20 7946 0958' } })).toEqual([]);
    expect(pii('group', { traits: { email: 'billing@acme.com' } })).toEqual([]);
    expect(pii('track', { context: { traits: { email: 'ada@example.com' } }, properties: {} })).toEqual([]);
    expect(pii('identify', { traits: { ssn: '123-45-6789', card: '4111111111111111' } }).map((f) => f.field)).toEqual(['traits.ssn', 'traits.card']);
  });

  it('looks in context too (a page URL carrying an address), but not in Segment\'s technical fields', () => {
    const found = pii('page', { context: { page: { url: 'https://shop.example/checkout?email=ada@example.com' }, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' } });
    expect(found).toEqual([expect.objectContaining({ field: 'context.page.url' })]);
  });

  it('nested values and arrays have their path', () => {
    const found = pii('track', { properties: { buyers: [{ name: 'x' }, { contact: 'bob@example.org' }] } });
    expect(found.map((f) => f.field)).toEqual(['properties.buyers.1.contact']);
  });

  it('never repeats the value: at most a letter, the top-level domain or the last digits', () => {
    const values = { a: 'ada.lovelace@example.com', b: '+44 20 7946 0958', c: '4111 1111 1111 1111', d: '123-45-6789' };
    const found = pii('track', { properties: values });
    expect(found).toHaveLength(4);
    const text = JSON.stringify(found);
    for (const v of Object.values(values)) expect(text).not.toContain(v);
    expect(text).not.toContain('lovelace');
    expect(text).not.toContain('example');
    expect(text).not.toContain('7946');
    expect(text).not.toContain('6789');
    expect(mask('card', '4111111111111111')).toBe('**** 1111');
  });

  it('Luhn', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('79927398713')).toBe(true);
  });

  it('reads long values only up to a bound, and hostile ones end (a backtracking pattern would hit the test timeout)', () => {
    expect(detect('@'.repeat(100_000) + '1-'.repeat(100_000), false)).toBeUndefined();
    expect(detect('+1'.repeat(50_000), false)).toBeUndefined();
    expect(detect('x'.repeat(5_000) + ' ada@example.com', false)).toBeUndefined();
  });

  it('counting digits, dashes and capitals first never hides a national id the patterns find', () => {
    // National ids, near misses and noise: the counts must let every one the patterns find through.
    const noise = fc.array(fc.constantFrom('x', 'Q', '-', ' ', '0', '12', 'AB', '9', 'é'), { maxLength: 4 }).map((ps) => ps.join(''));
    const space = fc.constantFrom('', ' ', '-');
    const nino = fc.tuple(fc.constantFrom('QQ', 'AB', 'ZZ', 'DA', 'ab', 'A'), space, fc.constantFrom('12', '1', '00'), space, fc.constantFrom('34', '99'), space, fc.constantFrom('56', '5'), space, fc.constantFrom('C', 'D', 'E', 'c', '')).map((ps) => ps.join(''));
    const ssn = fc.tuple(fc.constantFrom('123', '000', '666', '912', '12', '1234'), space, fc.constantFrom('45', '00', '4'), space, fc.constantFrom('6789', '0000', '678')).map((ps) => ps.join(''));
    fc.assert(
      fc.property(noise, fc.oneof(nino, ssn, noise), noise, (a, id, b) => {
        const s = a + id + b;
        const hit = detect(s, true);
        fc.pre(hit?.kind !== 'card');
        expect(hit?.kind === 'national_id' ? hit.found : undefined).toBe(findNationalId(s));
      }),
      { numRuns: 3_000 },
    );
  });
});
