import { describe, expect, it } from 'vitest';
import { boundedMemo } from '../../src/util/bounded-memo.js';

describe('boundedMemo', () => {
  it('computes each input once, null and undefined answers included', () => {
    const calls: string[] = [];
    const f = boundedMemo(10, (k: string) => (calls.push(k), k === 'none' ? null : k === 'nothing' ? undefined : k.length));
    expect([f('abc'), f('abc'), f('none'), f('none'), f('nothing'), f('nothing')]).toEqual([3, 3, null, null, undefined, undefined]);
    expect(calls).toEqual(['abc', 'none', 'nothing']);
  });

  it('never holds more than its cap: past it, all is forgotten and computed anew', () => {
    const calls: string[] = [];
    const f = boundedMemo(3, (k: string) => (calls.push(k), k));
    for (const k of ['a', 'b', 'c', 'd', 'a']) f(k);
    // 'd' came with three held: they went, so 'a' is computed again.
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a']);
    f('d');
    expect(calls).toHaveLength(5);
  });
});
