import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../src/connections/sealer.js';
import { writeFileAtomic } from '../../src/connections/secure-file.js';
import { CredentialStore, KEY_FILE, STORE_FILE, StoreCorruptError } from '../../src/connections/store.js';
import { tempHome } from '../helpers/connections.js';

const WK = 'wk_store_test_secret_0001';
const TK = 'sgp_store_test_secret_token_0002';
const mode = (p: string) => statSync(p).mode & 0o777;

describe('credential store', () => {
  it('creates a 0700 folder with 0600 files, and the key apart from the data', () => {
    const home = join(tempHome(), 'nested', 'segment-router');
    const store = new CredentialStore(home);
    store.put('default', { region: 'us', secrets: { writeKey: WK, token: TK } });
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, STORE_FILE))).toBe(0o600);
    expect(mode(join(home, KEY_FILE))).toBe(0o600);
    expect(readdirSync(home).sort()).toEqual([STORE_FILE, KEY_FILE].sort());
  });

  it('round-trips secrets and keeps them encrypted on disk', () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('default', { region: 'eu', secrets: { writeKey: WK, token: TK } });
    store.put('staging', { region: 'us', secrets: { writeKey: WK } });
    const fresh = new CredentialStore(home); // another process reading the same files
    expect(fresh.get('default')).toMatchObject({ name: 'default', region: 'eu', secrets: { writeKey: WK, token: TK } });
    expect(fresh.get('staging')?.secrets).toEqual({ writeKey: WK, token: undefined });
    expect(fresh.names()).toEqual(['default', 'staging']);
    const raw = readFileSync(join(home, STORE_FILE), 'utf8');
    for (const s of [WK, TK, Buffer.from(WK).toString('base64'), Buffer.from(TK).toString('base64'), WK.slice(-8), TK.slice(-8)]) expect(raw).not.toContain(s);
    expect(JSON.parse(raw).connections.default.secrets).toMatchObject({ alg: 'A256GCM', kdf: 'keyfile' });
  });

  // Found by an adversarial review (2026-12-07): a name every object inherits ("constructor") was read as a stored connection and broke every call.
  it('names such as "constructor" or "toString" are names: absent until stored, then stored like any other', () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('default', { region: 'us', secrets: { writeKey: WK } });
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(store.get(name)).toBeUndefined();
      expect(store.remove(name)).toBe(false);
    }
    store.put('constructor', { region: 'eu', secrets: { token: TK } });
    expect(new CredentialStore(home).get('constructor')).toMatchObject({ name: 'constructor', region: 'eu', secrets: { token: TK } });
  });

  it('uses SEGMENT_ROUTER_KEY (scrypt) instead of a key file when given, and says so when it changes', () => {
    const home = tempHome();
    const pass = 'correct horse battery staple';
    new CredentialStore(home, new Sealer(join(home, KEY_FILE), pass)).put('default', { region: 'us', secrets: { token: TK } });
    expect(existsSync(join(home, KEY_FILE))).toBe(false);
    expect(JSON.parse(readFileSync(join(home, STORE_FILE), 'utf8')).connections.default.secrets.kdf).toBe('scrypt');
    expect(new CredentialStore(home, new Sealer(join(home, KEY_FILE), pass)).get('default')?.secrets.token).toBe(TK);
    const wrong = new CredentialStore(home, new Sealer(join(home, KEY_FILE), 'another passphrase entirely')).get('default')!;
    expect(wrong.secrets).toEqual({});
    expect(wrong.keyProblem).toMatch(/SEGMENT_ROUTER_KEY \(it changed/);
    expect(new CredentialStore(home).get('default')!.keyProblem).toMatch(/SEGMENT_ROUTER_KEY, which is not set/);
    expect(() => new Sealer(join(home, KEY_FILE), 'short')).toThrow(/at least 16/);
  });

  it('binds sealed secrets to their connection name', () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('a', { region: 'us', secrets: { token: TK } });
    const file = JSON.parse(readFileSync(join(home, STORE_FILE), 'utf8'));
    file.connections.b = file.connections.a;
    writeFileSync(join(home, STORE_FILE), JSON.stringify(file));
    expect(new CredentialStore(home).get('b')!.keyProblem).toBeDefined();
  });

  it('reports a missing or damaged key file and never replaces it', () => {
    const home = tempHome();
    new CredentialStore(home).put('default', { region: 'us', secrets: { token: TK } });
    writeFileSync(join(home, KEY_FILE), 'not a key\n', { mode: 0o600 });
    const got = new CredentialStore(home).get('default')!;
    expect(got.keyProblem).toMatch(/key file .* is damaged/);
    expect(() => new CredentialStore(home).put('other', { region: 'us', secrets: { token: TK } })).toThrow(/damaged/);
    expect(readFileSync(join(home, KEY_FILE), 'utf8')).toBe('not a key\n');
  });

  it('moves a corrupt store aside with a clear error, never overwriting it', () => {
    const home = tempHome();
    const path = join(home, STORE_FILE);
    writeFileSync(path, '{"version": 1, "connections": {"default": ', { mode: 0o600 });
    const store = new CredentialStore(home);
    let error: unknown;
    try {
      store.get('default');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreCorruptError);
    const e = error as StoreCorruptError;
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toContain(e.movedTo);
    expect(readFileSync(e.movedTo, 'utf8')).toBe('{"version": 1, "connections": {"default": ');
    expect(existsSync(path)).toBe(false);
    // Life goes on with an empty store; a new write does not touch the file set aside.
    expect(store.names()).toEqual([]);
    store.put('default', { region: 'us', secrets: { token: TK } });
    expect(readFileSync(e.movedTo, 'utf8')).toBe('{"version": 1, "connections": {"default": ');
    expect(store.get('default')?.secrets.token).toBe(TK);
  });

  it('treats valid JSON of the wrong shape as corrupt too', () => {
    const home = tempHome();
    writeFileSync(join(home, STORE_FILE), JSON.stringify({ version: 1, connections: { default: { region: 'mars' } } }));
    expect(() => new CredentialStore(home).names()).toThrow(/unexpected content at connections\.default/);
    expect(readdirSync(home).some((f) => f.startsWith(`${STORE_FILE}.corrupt-`))).toBe(true);
  });

  it('tightens a store file that others can read', () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('default', { region: 'us', secrets: { token: TK } });
    chmodSync(join(home, STORE_FILE), 0o644);
    new CredentialStore(home).names();
    expect(mode(join(home, STORE_FILE))).toBe(0o600);
  });

  it('picks up changes made by another process', () => {
    const home = tempHome();
    const server = new CredentialStore(home);
    expect(server.get('default')).toBeUndefined();
    new CredentialStore(home).put('default', { region: 'us', secrets: { writeKey: WK } });
    expect(server.get('default')?.secrets.writeKey).toBe(WK);
  });

  it('keeps check results apart from secrets, and drops them when the secrets change', async () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('default', { region: 'us', secrets: { token: TK }, checks: { token: { state: 'ACTIVE', detail: 'ok', at: 'then', worked: true } } });
    const before = store.get('default')!;
    expect(before.checks.token?.worked).toBe(true);
    await store.saveChecks('default', { token: { state: 'EXPIRED', detail: 'refused', at: 'now', worked: true } }, before.updated_at);
    expect(store.get('default')!.checks.token?.state).toBe('EXPIRED');
    // A check of old secrets does not land on new ones.
    await store.saveChecks('default', { token: { state: 'ACTIVE', detail: 'stale', at: 'x' } }, 'an older write');
    expect(store.get('default')!.checks.token?.state).toBe('EXPIRED');
    store.put('default', { region: 'us', secrets: { token: 'sgp_a_new_token_000000' } });
    expect(store.get('default')!.checks).toEqual({});
  });

  // Found by an adversarial review (2026-12-07): a lock left by a process killed while saving froze a running
  // HTTP server for ~10 s (it saved check results under the lock, waiting synchronously until the lock went stale).
  it('check results are worth a short wait only: under a lock another process keeps, saving them gives up within a second or so', async () => {
    const home = tempHome();
    const store = new CredentialStore(home);
    store.put('default', { region: 'us', secrets: { token: TK } });
    const lock = join(home, `${STORE_FILE}.lock`);
    mkdirSync(lock);
    const started = Date.now();
    await expect(store.saveChecks('default', { token: { state: 'ACTIVE', detail: 'ok', at: 'now', worked: true } })).rejects.toThrow(/locked/);
    expect(Date.now() - started).toBeLessThan(2_500);
    rmSync(lock, { recursive: true });
    await store.saveChecks('default', { token: { state: 'ACTIVE', detail: 'ok', at: 'now', worked: true } });
    expect(store.get('default')!.checks.token?.state).toBe('ACTIVE');
  });
});

describe('atomic writes', () => {
  it('leaves no temporary files behind', () => {
    const home = tempHome();
    for (let i = 0; i < 20; i++) writeFileAtomic(join(home, 'f.json'), JSON.stringify({ i }));
    expect(readdirSync(home)).toEqual(['f.json']);
    expect(JSON.parse(readFileSync(join(home, 'f.json'), 'utf8'))).toEqual({ i: 19 });
    expect(mode(join(home, 'f.json'))).toBe(0o600);
  });

  it('never exposes a half-written file, even when the writer is killed mid-write', async () => {
    const home = tempHome();
    const target = join(home, 'f.json');
    const mod = resolve(__dirname, '../../dist/connections/secure-file.js');
    writeFileAtomic(target, JSON.stringify({ n: -1, pad: '' }));
    // A writer that rewrites a 2 MB file as fast as it can, until it is killed with SIGKILL.
    const code = `import(${JSON.stringify(mod)}).then(({ writeFileAtomic }) => { const pad = 'x'.repeat(2_000_000); for (let n = 0; ; n++) writeFileAtomic(${JSON.stringify(target)}, JSON.stringify({ n, pad })); });`;
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    let reads = 0;
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline) {
      const parsed = JSON.parse(readFileSync(target, 'utf8')); // throws if a reader ever sees half a file
      expect(typeof parsed.n).toBe('number');
      reads++;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const last = JSON.parse(readFileSync(target, 'utf8'));
    expect(last.n).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(10);
    // The killed writer may leave its temp file; the target is whole either way and the store ignores it.
    for (const f of readdirSync(home).filter((f) => f !== 'f.json')) expect(f).toMatch(/^\.f\.json\.\d+\.[0-9a-f]+\.tmp$/);
  });
});
