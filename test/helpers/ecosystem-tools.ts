import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Tools the MCP ecosystem tests run, fetched from the npm registry only and cached under
 * node_modules/.cache (so a second run is offline): a Node 22 binary (the conformance suite and the
 * Inspector need Node 22; the project itself supports Node 20), and pinned versions of the tools.
 * Each is installed into a temporary sibling and renamed into place, so parallel test files never
 * see a half-installed copy.
 */

const run = promisify(execFile);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = join(ROOT, 'node_modules', '.cache', 'segment-router-ecosystem');

/** The Node release the ecosystem tools run on: the platform package of npm's `node` package. */
export const NODE22 = '22.23.5';

const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function installOnce(name: string, install: (dir: string) => Promise<void>): Promise<string> {
  const final = join(CACHE, name);
  if (existsSync(join(final, '.complete'))) return final;
  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(CACHE, `.${name}-`));
  try {
    await install(tmp);
    writeFileSync(join(tmp, '.complete'), new Date().toISOString());
    try {
      renameSync(tmp, final);
    } catch {
      // Another test file finished the same install first; its copy is as good as ours.
      if (!existsSync(join(final, '.complete'))) throw new Error(`could not place ${name} in ${CACHE}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return final;
}

/** The path of a Node 22 binary, from the npm registry (`node-<platform>-<arch>` ships it in its tarball). */
export async function node22(): Promise<string> {
  const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const dir = await installOnce(`${pkg}-${NODE22}`, async (tmp) => {
    await run(npmCmd, ['pack', `${pkg}@${NODE22}`, '--pack-destination', tmp, '--prefer-offline', '--silent'], { cwd: tmp, maxBuffer: 1 << 24 });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg}@${NODE22} produced no tarball`);
    await run('tar', ['xzf', tgz], { cwd: tmp });
    rmSync(join(tmp, tgz));
  });
  return join(dir, 'package', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
}

/** Environment whose PATH finds Node 22 first (npm and the tools' `#!/usr/bin/env node` then use it). */
export async function node22Env(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const bin = dirname(await node22());
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('npm_')) env[k] = v;
  return { ...env, PATH: `${bin}${process.platform === 'win32' ? ';' : ':'}${env.PATH ?? ''}`, ...extra };
}

/**
 * A pinned npm package installed (with Node 22, install scripts off) into the cache; returns the
 * directory whose node_modules holds it.
 */
export async function npmTool(spec: string): Promise<string> {
  const env = await node22Env();
  return installOnce(spec.replace(/[@/]/g, '_'), async (tmp) => {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'ecosystem-tool', private: true }));
    await run(npmCmd, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', spec], { cwd: tmp, env, maxBuffer: 1 << 24 });
  });
}
