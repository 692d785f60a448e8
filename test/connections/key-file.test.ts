import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../../src/connections/sealer.js';
import { CredentialStore, KEY_FILE } from '../../src/connections/store.js';
import { runCli, tempHome } from '../helpers/connections.js';

/**
 * A missing key file once made a new key silently, after which every stored secret failed to
 * decrypt. With connections sealed by the lost key, a new key now needs an explicit flag.
 */

describe('a missing key file', () => {
  it('with connections sealed by it: says so, makes no key, stores nothing; --new-key starts over', () => {
    const home = tempHome();
    new CredentialStore(home).put('prod', { region: 'us', secrets: { writeKey: 'wk_before_0123456789' } });
    rmSync(join(home, KEY_FILE));
    const store = new CredentialStore(home);
    expect(store.get('prod')!.keyProblem).toMatch(/key file .* is missing/);
    expect(() => store.put('other', { region: 'us', secrets: { writeKey: 'wk_after_0123456789' } })).toThrow(KeyError);
    expect(() => store.put('other', { region: 'us', secrets: { writeKey: 'wk_after_0123456789' } })).toThrow(/1 stored connection \(prod\).*--new-key/);
    expect(existsSync(join(home, KEY_FILE))).toBe(false);
    expect(store.names()).toEqual(['prod']);
    store.put('other', { region: 'us', secrets: { writeKey: 'wk_after_0123456789' } }, { newKey: true });
    expect(existsSync(join(home, KEY_FILE))).toBe(true);
    expect(store.get('other')!.secrets.writeKey).toBe('wk_after_0123456789');
    expect(store.get('prod')!.keyProblem).toBeDefined(); // still unreadable: the old key is gone
  });

  it('with no connections stored: the first key is made as before', () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('first', { region: 'us', secrets: { token: 'sgp_first_token_0123456789' } });
    expect(existsSync(join(home, KEY_FILE))).toBe(true);
  });

  it('the CLI refuses with what to do, and `connections add --new-key` goes ahead', async () => {
    const home = tempHome();
    const env = { PATH: process.env.PATH, HOME: home, SEGMENT_ROUTER_HOME: home, SEGMENT_ROUTER_LOG_LEVEL: 'silent' };
    const add = (name: string, extra: string[] = []) => runCli(['connections', 'add', '--stdin', '--skip-verify', '--name', name, ...extra], env, JSON.stringify({ writeKey: `wk_${name}_0123456789abcdef` }));
    expect((await add('one')).code).toBe(0);
    rmSync(join(home, KEY_FILE));
    const refused = await add('two');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/key file .* is missing.*--new-key/s);
    expect(existsSync(join(home, KEY_FILE))).toBe(false);
    const forced = await add('two', ['--new-key']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(home, KEY_FILE))).toBe(true);
  });
});

describe('the first key file, when another process looks at the same moment', () => {
  // The key file was created empty and filled after; a process reading in between (two `connections
  // add` at once) called it damaged: seen under load in the two-writer store test. The name now appears
  // with its whole content. A large file makes the old window wide enough to be caught every time.
  it('the file appears whole, never empty or in part', { timeout: 60_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { createExclusive } = await import('../../src/connections/secure-file.js');
    const path = join(tempHome(), 'store.key');
    const data = 'k'.repeat(64 * 1024 * 1024);
    // Watches for the name and reports the size it first sees.
    const code = `const fs = require('node:fs'); process.stdout.write('ready\\n');
      while (!fs.existsSync(${JSON.stringify(path)}));
      process.stdout.write(String(fs.statSync(${JSON.stringify(path)}).size));`;
    const watcher = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const ready = new Promise<void>((go) => watcher.stdout.on('data', (d) => ((out += d), out.includes('ready') && go())));
    const seen = new Promise<number>((done) => watcher.on('exit', () => done(Number(out.split('\n')[1]))));
    await ready;
    expect(createExclusive(path, data)).toBe(true);
    expect(await seen).toBe(data.length);
    expect(createExclusive(path, 'other')).toBe(false);
  });
});
