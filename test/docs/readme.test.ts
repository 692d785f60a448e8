import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { runCli } from '../helpers/cli-process.js';

/** The README is the newcomer's page: short, and true about what the code offers. */
const ROOT = resolve(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

describe('README', () => {
  it('stays a five-minute read: at most 250 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('its toolset table names every toolset once, with the right number of tools per row', () => {
    const registry = loadRegistry();
    const rows = README.split('\n').filter((l) => /^\| [A-Z].*\| \d+ \|$/.test(l) && l.includes('`'));
    const named = rows.flatMap((r) => [...r.split('|')[2]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!));
    expect(named.sort()).toEqual(registry.toolsets().sort());
    for (const row of rows) {
      const sets = [...row.split('|')[2]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!);
      const count = Number(row.split('|')[3]!.trim());
      expect(count, row).toBe(registry.tools.filter((t) => sets.includes(t.toolset)).length);
    }
  });

  it('its command table names every command the CLI has', async () => {
    const help = await runCli(['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]+)\s{2,}/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(5);
    for (const c of commands) expect(README, c).toMatch(new RegExp(`segment-router (\\S+ / )?${c}\\b|/ \`?${c}\\b`));
  });

  it('documents direct mode names within 64 characters', () => {
    expect(README).toContain('--tool-names=short');
  });

  it('every relative link in the README and docs/ leads to a file, and every #anchor to a heading', () => {
    for (const file of [join(ROOT, 'README.md'), ...DOCS]) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, hash] = target!.split('#');
        const dest = path ? resolve(dirname(file), path) : file;
        // docs/architecture.md belongs to the architecture work; every other link must resolve now.
        if (path && path.endsWith('architecture.md') && !existsSync(dest)) continue;
        expect(existsSync(dest), `${file}: ${target}`).toBe(true);
        if (hash && dest.endsWith('.md')) {
          const headings = readFileSync(dest, 'utf8').split('\n').filter((l) => /^#{1,4} /.test(l)).map((l) => anchor(l.replace(/^#+ /, '')));
          expect(headings, `${file}: ${target}`).toContain(hash);
        }
      }
    }
  });
});
