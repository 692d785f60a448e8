import { describe, expect, it } from 'vitest';
import { nestsDeeper } from '../../src/util/json-depth.js';

describe('nestsDeeper', () => {
  it('counts objects and arrays, not brackets inside strings or escaped quotes', () => {
    expect(nestsDeeper('[[[1]]]', 3)).toBe(false);
    expect(nestsDeeper('[[[[1]]]]', 3)).toBe(true);
    expect(nestsDeeper('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(nestsDeeper(`["${'['.repeat(50)}", "\\"[[[[[["]`, 2)).toBe(false);
    expect(nestsDeeper(`[${'[]'.repeat(1000)}]`, 2)).toBe(false);
    expect(nestsDeeper('['.repeat(300) + ']'.repeat(300))).toBe(true);
    expect(nestsDeeper('['.repeat(256) + ']'.repeat(256))).toBe(false);
  });
});
