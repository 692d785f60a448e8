import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/security/redact.js';

describe('redaction', () => {
  it('masks a secret and its Basic-auth encoding to at most the last four characters', () => {
    const r = new Redactor();
    r.add('wk_super_secret_value_9876');
    const basic = Buffer.from('wk_super_secret_value_9876:').toString('base64');
    const out = r.text(`key=wk_super_secret_value_9876 auth=Basic ${basic}`);
    expect(out).not.toContain('wk_super_secret_value_9876');
    expect(out).not.toContain(basic);
    expect(out).toContain('****9876');
  });
});
