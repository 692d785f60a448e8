import { describe, expect, it } from 'vitest';
import { once } from '../../src/util/once.js';

describe('once', () => {
  it('makes its value on the first call only, an undefined value included', () => {
    let made = 0;
    const nothing = once(() => {
      made++;
      return undefined;
    });
    expect([nothing(), nothing(), nothing()]).toEqual([undefined, undefined, undefined]);
    expect(made).toBe(1);
    const table = once(() => new Map([['a', 1]]));
    expect(table()).toBe(table());
  });
});
