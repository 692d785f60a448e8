import { execFile, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/ecosystem-tools.js';

/**
 * dist/cli.js loads scripts/bundle.mjs's files (dist/bundle/), made from tsc's modules (dist/cli/main.js
 * and below). The two must be one program: every `import.meta.url` in the bundle stands for a module
 * file that exists, and the same commands answer the same from both (the module tree is what the unit
 * tests exercise).
 */
const run = promisify(execFile);
const DIST = join(ROOT, 'dist');
const BUNDLE = join(DIST, 'cli.js');
const FILES = join(DIST, 'bundle');
const MODULES = join(DIST, 'cli', 'main.js');
const env = () => ({ PATH: process.env.PATH ?? '', SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-bundle-')), SEGMENT_ROUTER_LOG_LEVEL: 'error' });

async function answer(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env: env(), maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** What a stdio server answers to `requests`, once every request with an id has its answer. */
async function serve(script: string, requests: object[]): Promise<unknown[]> {
  const expected = requests.filter((r) => 'id' in r).length;
  const child = spawn(process.execPath, [script, 'serve'], { env: env(), stdio: ['pipe', 'pipe', 'ignore'] });
  const answers: unknown[] = [];
  let out = '';
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script}: ${answers.length} of ${expected} answers`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        answers.push(JSON.parse(out.slice(0, nl)));
        out = out.slice(nl + 1);
      }
      if (answers.length === expected) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (const r of requests) child.stdin.write(`${JSON.stringify(r)}\n`);
  await done;
  child.kill();
  return answers;
}

describe('the bundled dist/cli.js', () => {
  it('is built: dist/cli.js, a command, loads the bundle, whose files have source maps', () => {
    expect(readFileSync(BUNDLE, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n(\/\/.*\n)*import '\.\/bundle\/cli\.js';\n$/);
    const js = readdirSync(FILES).filter((f) => f.endsWith('.js'));
    expect(js).toContain('cli.js');
    for (const f of js) expect(existsSync(join(FILES, `${f}.map`)), f).toBe(true);
    expect(existsSync(MODULES)).toBe(true);
    // tsc alone (or a build stopped after it) would leave the command on the last bundle's code.
    expect(statSync(join(FILES, 'cli.js')).mtimeMs, 'dist/bundle/ is older than tsc\'s modules: run npm run build').toBeGreaterThanOrEqual(statSync(MODULES).mtimeMs);
  });

  it('reads import.meta.url only as the URL of a module file of dist/ that exists', () => {
    let uses = 0;
    const owned: string[] = [];
    for (const f of readdirSync(FILES).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(FILES, f), 'utf8');
      uses += [...text.matchAll(/import\.meta\.url/g)].length;
      owned.push(...[...text.matchAll(/new URL\("(\.\.\/[^"]+\.js)", import\.meta\.url\)\.href/g)].map((m) => m[1]!));
    }
    expect(uses).toBeGreaterThan(5);
    expect(owned.length, 'every import.meta.url in the bundle is a module\'s own (scripts/bundle.mjs)').toBe(uses);
    for (const own of owned) expect(existsSync(fileURLToPath(new URL(own, `file://${FILES}/`))), own).toBe(true);
  });

  it('answers commands as the module tree does', { timeout: 120_000 }, async () => {
    for (const args of [['--version'], ['--help'], ['search', 'send an order completed event for a user', '--json'], ['tools', '--json'], ['schema', 'SEGMENT_TRACK'], ['call', 'SEGMENT_TRACK', '--json'], ['nonsense']]) {
      const [a, b] = await Promise.all([answer(BUNDLE, args), answer(MODULES, args)]);
      expect({ args, ...a }).toEqual({ args, ...b });
    }
  });

  it('serves MCP as the module tree does: initialize, tools/list, SEARCH_TOOLS', { timeout: 120_000 }, async () => {
    const requests = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bundle-test', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'SEARCH_TOOLS', arguments: { queries: [{ use_case: 'list the sources of my workspace' }] } } },
    ];
    const [a, b] = await Promise.all([serve(BUNDLE, requests), serve(MODULES, requests)]);
    expect(a).toEqual(b);
    expect(JSON.stringify(a[2])).toContain('SEGMENT_LIST_SOURCES');
  });
});

describe('scripts/bundle.mjs', () => {
  it('a build that fails leaves the last good bundle working; the maps carry no sources', { timeout: 120_000 }, async () => {
    // A copy of dist/ with what its modules read beside it: package.json, and node_modules for the libraries left out.
    const root = mkdtempSync(join(tmpdir(), 'sr-bundle-build-'));
    cpSync(DIST, join(root, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const bundle = (dist: string) => run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), dist]);
    const version = async () => (await run(process.execPath, [join(root, 'dist', 'cli.js'), '--version'])).stdout.trim();
    await bundle(join(root, 'dist'));
    const good = await version();
    expect(good).toMatch(/\d+\.\d+\.\d+/);
    for (const f of readdirSync(join(root, 'dist', 'bundle')).filter((f) => f.endsWith('.map'))) {
      expect((JSON.parse(readFileSync(join(root, 'dist', 'bundle', f), 'utf8')) as { sourcesContent?: unknown }).sourcesContent, f).toBeUndefined();
    }
    appendFileSync(join(root, 'dist', 'version.js'), '\nexport const = ;\n');
    await expect(bundle(join(root, 'dist'))).rejects.toThrow();
    expect(await version()).toBe(good);
  });
});
