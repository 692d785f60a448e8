import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Keeps docs/architecture.md true: every import in src/ points to its own folder or to a lower
 * layer of the doc's table, every top-level entry of src/ has a layer, no files import each other
 * in a loop, and test/ mirrors the source. The table in the doc is the one source; this test only
 * reads it.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');
const DOC = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

/**
 * Imports that point up today and are being removed by work in progress; each names its file and
 * why. Remove an entry as soon as its arrow is gone (the test says so).
 */
const KNOWN_UPWARD: Record<string, string> = {};

/** Files that import each other today, to be untangled. */
const KNOWN_LOOPS = new Set<string>();

/** Layer number of each top-level entry of src/, read from the doc's "Layers" table. */
function layers(): Map<string, number> {
  const section = DOC.split(/^## /m).find((s) => s.startsWith('Layers'));
  if (!section) throw new Error('docs/architecture.md has no "## Layers" section');
  const out = new Map<string, number>();
  for (const line of section.split('\n')) {
    const row = /^\|\s*(\d+)\s*\|.*\|([^|]*)\|\s*$/.exec(line);
    if (!row) continue;
    for (const [, name] of row[2]!.matchAll(/`([^`]+)`/g)) out.set(name!.replace(/\/$|\.ts$/, ''), Number(row[1]));
  }
  return out;
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const rel = (file: string) => relative(SRC, file).split(sep).join('/');
/** The top-level entry a file belongs to: its first folder, or the file itself without `.ts` (`app.ts`: `app`). */
const topOf = (file: string) => rel(file).split('/')[0]!.replace(/\.ts$/, '');

/** Relative imports and re-exports of a file, as paths of files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    out.push(resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  }
  for (const m of text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) out.push(resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  return out;
}

const files = sourceFiles();
const graph = new Map(files.map((f) => [rel(f), importsOf(f).map(rel)]));

describe('docs/architecture.md holds for src/', () => {
  const layer = layers();

  it('places every top-level file and folder of src/ in a layer', () => {
    const tops = [...new Set(files.map(topOf))].sort();
    expect(tops.filter((t) => !layer.has(t)), 'Add these to the "Layers" table of docs/architecture.md').toEqual([]);
    expect([...layer.keys()].filter((t) => !tops.includes(t)), 'The "Layers" table names entries src/ no longer has').toEqual([]);
  });

  it('every import points to its own folder or down the layers', () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const [a, b] = [topOf(join(SRC, from)), topOf(join(SRC, to))];
        if (a === b) continue;
        if (layer.get(a)! < layer.get(b)!) continue;
        upward.push(`${from} -> ${to}`);
      }
    }
    const unexpected = upward.filter((e) => !(e in KNOWN_UPWARD));
    expect(unexpected, 'These imports point up or sideways: move the code, or argue for a new layer in docs/architecture.md').toEqual([]);
    const gone = Object.keys(KNOWN_UPWARD).filter((e) => !upward.includes(e));
    expect(gone, 'These known exceptions are gone: delete them from KNOWN_UPWARD').toEqual([]);
  });

  it('no files import each other in a loop', () => {
    const loops = new Set<string>();
    // A loop is found as a path back to a file on the current walk (depth-first).
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const walk = (f: string) => {
      state.set(f, 'open');
      path.push(f);
      // Known upward imports are reported above; a loop they close is the same finding.
      for (const g of (graph.get(f) ?? []).filter((g) => !(`${f} -> ${g}` in KNOWN_UPWARD))) {
        if (state.get(g) === 'open') loops.add(path.slice(path.indexOf(g)).sort().join(' <-> '));
        else if (!state.has(g)) walk(g);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of [...graph.keys()].sort()) if (!state.has(f)) walk(f);
    expect([...loops].filter((l) => !KNOWN_LOOPS.has(l)), 'Files that import each other: break the loop').toEqual([]);
    expect([...KNOWN_LOOPS].filter((l) => !loops.has(l)), 'These known loops are gone: delete them from KNOWN_LOOPS').toEqual([]);
  });

  it('the code cites Segment facts from docs/segment-facts.md, which exists', () => {
    const cites = files.filter((f) => /FACTS\.md/.test(readFileSync(f, 'utf8').replace(/segment-facts\.md/g, '')));
    expect(cites.map(rel), 'Cite docs/segment-facts.md, the repository\'s own copy of the facts').toEqual([]);
    expect(readFileSync(join(ROOT, 'docs', 'segment-facts.md'), 'utf8')).toMatch(/^# Segment facts/);
  });
});

describe('tests mirror the source', () => {
  /** Folders of test/ that stand for no source folder: the one helpers folder and the committed snapshots. */
  const OWN = new Set(['helpers', '__snapshots__']);
  /** Folders of the repository besides src/ whose files are tested. */
  const OTHER_SOURCES = new Set(['docs', 'scripts', 'skills', 'examples']);
  const dirs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => [join(dir, e.name), ...dirs(join(dir, e.name))]);
  const TEST = join(ROOT, 'test');

  it('every test folder (but helpers/ and __snapshots__/) is named after a source folder', () => {
    const orphans = dirs(TEST)
      .map((d) => relative(TEST, d).split(sep).join('/'))
      .filter((d) => !OWN.has(d.split('/')[0]!))
      .filter((d) => {
        const [top] = d.split('/');
        if (OTHER_SOURCES.has(top!)) return !existsSync(join(ROOT, d));
        return !existsSync(join(SRC, d));
      });
    expect(orphans, 'Put each test in test/<the folder of src/ it tests>/, and shared code in test/helpers/').toEqual([]);
  });

  it('test files outside helpers/ are tests', () => {
    const stray = readdirSync(TEST, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts'))
      .map((e) => relative(TEST, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((p) => !p.startsWith('helpers/'));
    expect(stray, 'Shared test code belongs in test/helpers/').toEqual([]);
  });
});
