import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IMPORT_V8_FLAGS, tuneHeapForImport } from '../../src/cli/import-heap.js';

describe('the import process\'s V8 settings', () => {
  it('sets each of them, and nothing else', () => {
    const set: string[] = [];
    tuneHeapForImport((flag) => set.push(flag));
    expect(set).toEqual(['--heap-growing-percent=100', '--liftoff-only']);
    expect(set).toEqual([...IMPORT_V8_FLAGS]);
  });

  // V8 ignores a flag it does not know when it is set at run time; node's command line refuses one.
  it('are flags this Node\'s V8 knows (a Node that dropped one would fail here, not silently ignore it)', () => {
    const run = (flags: string[]) => spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    const known = run([...IMPORT_V8_FLAGS]);
    expect(known.status, known.stderr).toBe(0);
    const unknown = run(['--heap-growing-percentage=100']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/bad option/);
  });
});
