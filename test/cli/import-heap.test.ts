import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { holdYoungGeneration, IMPORT_V8_FLAGS, tuneHeapForImport } from '../../src/cli/import-heap.js';

describe('the import process\'s V8 settings', () => {
  it('sets each of them, and nothing else while the young generation is small', () => {
    const set: string[] = [];
    tuneHeapForImport((flag) => set.push(flag), () => 0).disconnect();
    expect(set).toEqual(['--heap-growing-percent=100', '--liftoff-only']);
    expect(set).toEqual([...IMPORT_V8_FLAGS]);
  });

  it('holds the young generation once it reaches its size, and lets it grow again if V8 made it smaller', async () => {
    const set: string[] = [];
    let size = 4 * 1024 * 1024;
    const observer = holdYoungGeneration((flag) => set.push(flag), 16, () => size);
    try {
      const collect = async () => {
        // Any collection: the observer hears of it after it.
        for (let i = 0; i < 200; i++) new Array(10_000).fill({ i });
        await new Promise((r) => setTimeout(r, 20));
      };
      await collect();
      expect(set).toEqual([]);
      size = 16 * 1024 * 1024;
      await collect();
      expect(set).toEqual(['--semi-space-growth-factor=1']);
      await collect();
      size = 8 * 1024 * 1024;
      await collect();
      expect(set).toEqual(['--semi-space-growth-factor=1', '--semi-space-growth-factor=2']);
    } finally {
      observer.disconnect();
    }
  });

  // V8 ignores a flag it does not know when it is set at run time; node's command line refuses one.
  it('are flags this Node\'s V8 knows (a Node that dropped one would fail here, not silently ignore it)', () => {
    const run = (flags: string[]) => spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    const known = run([...IMPORT_V8_FLAGS, '--semi-space-growth-factor=1', '--semi-space-growth-factor=2']);
    expect(known.status, known.stderr).toBe(0);
    const unknown = run(['--heap-growing-percentage=100']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/bad option/);
  });

  // The built module in a process of its own: V8's flags are the whole process's.
  it('in a process that keeps much alive for a while, the young generation stays at its size (V8 alone grows it to twice that)', () => {
    const module = pathToFileURL(join(__dirname, '../../dist/cli/import-heap.js')).href;
    const script = `
      const { tuneHeapForImport, youngGenerationBytes, YOUNG_GENERATION_MB } = await import(${JSON.stringify(module)});
      if (process.argv[1] === 'tuned') tuneHeapForImport();
      let most = 0;
      const keep = [];
      for (let i = 0; i < 400_000; i++) {
        keep.push({ i, s: 'x' + i });
        if (keep.length > 60_000) keep.splice(0, 20_000);
        if (i % 2_000 === 0) {
          await new Promise((r) => setImmediate(r));
          most = Math.max(most, youngGenerationBytes());
        }
      }
      console.log(JSON.stringify({ most: most / 1048576, limit: YOUNG_GENERATION_MB }));
    `;
    const run = (mode: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, mode], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { most: number; limit: number };
    };
    const tuned = run('tuned');
    const plain = run('plain');
    expect(tuned.most).toBeLessThanOrEqual(tuned.limit);
    expect(plain.most).toBeGreaterThan(tuned.limit);
  }, 30_000);
});
