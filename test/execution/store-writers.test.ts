import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { CredentialStore, STORE_FILE } from '../../src/connections/store.js';
import { TOKEN, WRITE_KEY } from '../helpers/router.js';
import { cliEnv, runCli, tempHome } from '../helpers/connections.js';

/**
 * Lost updates: 20 `connections add` at once all printed "Saved" and only 11 were stored; with two
 * processes, one connection was lost in 3 rounds of 10. Every read-modify-write of the store now
 * holds a cross-process lock.
 */

/** Twenty processes start at once on a small machine: the token check may wait its turn. */
const SLOW_OK = { SEGMENT_ROUTER_TIMEOUT_MS: '20000' };

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
});
afterAll(() => sb.close());

const storedNames = (home: string) => Object.keys(JSON.parse(readFileSync(join(home, STORE_FILE), 'utf8')).connections).sort();

describe('concurrent writers of the credential store', () => {
  // Twenty node processes at once: minutes on a loaded two-core machine.
  it('20 `connections add` at once (each verified, so each also saves its checks): 20 stored, each readable', { timeout: 300_000 }, async () => {
    const home = tempHome();
    const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const runs = await Promise.all(names.map((n) => runCli(['connections', 'add', '--stdin', '--name', n], cliEnv(sb, home, SLOW_OK), JSON.stringify({ writeKey: WRITE_KEY, token: TOKEN }))));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(storedNames(home)).toEqual(names);
    const store = new CredentialStore(home);
    for (const n of names) {
      const c = store.get(n)!;
      expect(c.secrets).toEqual({ writeKey: WRITE_KEY, token: TOKEN });
      expect(c.checks.token?.state).toBe('ACTIVE');
    }
    expect(existsSync(join(home, `${STORE_FILE}.lock`))).toBe(false);
  });

  it('two processes adding, checking and removing at once, five rounds: nothing lost, nothing resurrected', { timeout: 120_000 }, async () => {
    const mod = resolve(__dirname, '../../dist/connections/store.js');
    const writer = (home: string, tag: string) =>
      new Promise<number | null>((done, fail) => {
        // Adds 30 connections, saves checks on each, removes every third: the final set is known.
        const code = `import(${JSON.stringify(mod)}).then(async ({ CredentialStore }) => {
          const s = new CredentialStore(${JSON.stringify(home)});
          for (let i = 0; i < 30; i++) {
            const n = '${tag}' + i;
            s.put(n, { region: 'us', secrets: { writeKey: 'wk_' + n + '_0123456789' } });
            await s.saveChecks(n, { write_key: { state: 'ACTIVE', detail: 'ok', at: 'now' } });
            if (i % 3 === 0) s.remove(n);
          }
        });`;
        const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', fail);
        child.on('exit', (c) => (c === 0 ? done(c) : fail(new Error(`writer ${tag} exited ${c}: ${err}`))));
      });
    const expected = (tag: string) => Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `${tag}${i}`);
    for (let round = 0; round < 5; round++) {
      const home = tempHome();
      await Promise.all([writer(home, 'a'), writer(home, 'b')]);
      expect(storedNames(home), `round ${round}`).toEqual([...expected('a'), ...expected('b')].sort());
      const store = new CredentialStore(home);
      for (const n of storedNames(home)) expect(store.get(n)!.checks.write_key?.state, `${n} in round ${round}`).toBe('ACTIVE');
    }
  });
});
