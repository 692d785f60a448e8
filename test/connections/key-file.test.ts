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
