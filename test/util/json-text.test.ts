import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossyNumber, parseJsonText } from '../../src/util/json-text.js';

describe('parseJsonText', () => {
  it('is JSON.parse for any JSON a client could write without tiny numbers', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(parseJsonText(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the text of a literal that would parse as 0, wherever it is; strings are left alone', () => {
    const v = parseJsonText('{"a":[1,-7.5e-1000],"b\\"1e-400":"1e-400","c":{"d":0.' + '0'.repeat(350) + '3},"z":0E-999}') as Record<string, any>;
    expect(v.a[1]).toBeInstanceOf(LossyNumber);
    expect(v.a[1].text).toBe('-7.5e-1000');
    expect(v['b"1e-400']).toBe('1e-400');
    expect(v.c.d).toBeInstanceOf(LossyNumber);
    expect(v.z).toBe(0);
    expect(JSON.stringify(v.a)).toBe('[1,0]');
  });

  it('a marker-looking string from a client stays a string', () => {
    const v = parseJsonText('{"s":"\\u0000abcdef012345:1e-400","t":1e-400}') as Record<string, unknown>;
    expect(v.s).toBe('\u0000abcdef012345:1e-400');
    expect(v.t).toBeInstanceOf(LossyNumber);
  });

  it('bad JSON throws as JSON.parse does', () => {
    expect(() => parseJsonText('{"a":1e-400')).toThrow(SyntaxError);
  });
});
