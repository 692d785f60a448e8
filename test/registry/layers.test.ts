import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Arrows point down: the registry does not import the adapters it lists; search imports no meta tool and not the app. */
const SRC = new URL('../../src/', import.meta.url).pathname;

function importsOf(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(join(SRC, dir), { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    for (const m of readFileSync(join(SRC, dir, f), 'utf8').matchAll(/from '(\.[^']+)'/g)) out.push(join(dir, f, '..', m[1]!));
  }
  return out;
}

describe('import direction', () => {
  it('registry/ imports nothing from segment/', () => {
    expect(importsOf('registry').filter((p) => p.startsWith('segment/'))).toEqual([]);
  });

  it('search/ imports neither meta/ nor the app', () => {
    expect(importsOf('search').filter((p) => p.startsWith('meta/') || p === 'app.js')).toEqual([]);
  });
});
