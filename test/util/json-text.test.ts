import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossyNumber, MAX_JSON_DEPTH, MAX_LOSSY_NUMBERS, parseJsonText } from '../../src/util/json-text.js';

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

  // An adversarial review sent bodies within the size limits that cost ~100 times their size once
  // parsed: arrays nested millions deep, millions of literals too small for a double.
  it('refuses nesting past MAX_JSON_DEPTH before parsing, strings not counted', () => {
    expect(() => parseJsonText('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toThrow(/nested deeper than 100,000 levels/);
    expect(() => parseJsonText('{"a":'.repeat(5_000_000) + '1' + '}'.repeat(5_000_000))).toThrow(/nested deeper/);
    expect(parseJsonText('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(parseJsonText(JSON.stringify({ s: '['.repeat(10_000) }))).toEqual({ s: '['.repeat(10_000) });
  });

  it('refuses more than MAX_LOSSY_NUMBERS literals too small for a double, instead of making an object of each', () => {
    expect(() => parseJsonText(`[${Array(MAX_LOSSY_NUMBERS + 1).fill('1e-400').join(',')}]`)).toThrow(/too small for a double/);
    expect((parseJsonText(`[${Array(MAX_LOSSY_NUMBERS).fill('1e-400').join(',')}]`) as unknown[]).length).toBe(MAX_LOSSY_NUMBERS);
  });
});
