import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputAt, operationIndex, operationInput } from '../../../src/segment/public-api/catalog.js';

const FILE = new URL('../../../data/public-api/inputs.json', import.meta.url);

describe('Public API inputs', () => {
  it("reads each operation's input from its own bytes, exactly what the whole file says", () => {
    const whole = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
    const at = operationIndex().inputsAt!;
    expect(Object.keys(at).sort()).toEqual(Object.keys(whole).sort());
    for (const id of Object.keys(whole)) {
      expect(inputAt(FILE, at[id]), id).toEqual(whole[id]);
      expect(operationInput(id)).toEqual(whole[id]);
    }
  });

  it('gives no input where the bytes are not one (an index out of step with the file)', () => {
    const [start, length] = operationIndex().inputsAt!.listSources!;
    expect(inputAt(FILE, [start + 1, length])).toBeUndefined();
    expect(inputAt(FILE, [start, length - 1])).toBeUndefined();
    expect(inputAt(FILE, [10_000_000, 50])).toBeUndefined();
    expect(inputAt(FILE, undefined)).toBeUndefined();
  });

  it('names the generator when an operation has no input', () => {
    expect(() => operationInput('noSuchOperation')).toThrow(/generate:public-api/);
  });
});
