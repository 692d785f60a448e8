import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/ecosystem-tools.js';

/**
 * What `npm pack` makes installs and runs on its own: installed globally into a temporary prefix
 * (dependencies from the local npm cache when it has them, else the registry), the binary answers
 * --version, search and an MCP initialize over stdio; `npx` runs it from the tarball too.
 */
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let tarball: string;
let prefix: string;
let env: Record<string, string>;
const bin = () => join(prefix, 'bin', 'segment-router');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-pack-'));
  prefix = join(dir, 'prefix');
  const home = join(dir, 'home');
  env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? home, SEGMENT_ROUTER_HOME: home };
  // --ignore-scripts: dist/ is already built by `npm test`; rebuilding it here would race other test files.
  await run(npm, ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: ROOT, maxBuffer: 1 << 24 });
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  await run(npm, ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir, maxBuffer: 1 << 24 });
}, 600_000);

describe('the packed package', () => {
  it('holds the built CLI, the data and the skill, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.split('\n');
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/data/public-api/openapi.json');
    expect(files.some((f) => f.startsWith('package/skills/'))).toBe(true);
    expect(files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toBe(false);
  });

  it('installs globally and runs: --version, search, and serve answering initialize over stdio', async () => {
    expect((await run(bin(), ['--version'], { env })).stdout.trim()).toContain(VERSION);
    const search = await run(bin(), ['search', 'track an event', '--json'], { env });
    expect(search.stdout).toContain('SEGMENT_TRACK');

    const child = spawn(bin(), ['serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const answer = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no answer; stdout: ${out}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"id":1'));
        if (line) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pack-test', version: '1' } } })}\n`);
    });
    child.kill();
    expect(JSON.parse(answer).result.serverInfo.name).toBe('segment-router');
  }, 120_000);

  it('runs through npx from the tarball', async () => {
    const { stdout } = await run(npm, ['exec', '--yes', '--prefer-offline', `--package=${tarball}`, '--', 'segment-router', '--version'], { env: { ...env, npm_config_loglevel: 'error' }, cwd: prefix, maxBuffer: 1 << 24 });
    expect(stdout.trim()).toContain(VERSION);
  }, 300_000);
});
