import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Region } from '../config/runtime.js';
import { KeyError, Sealer } from './sealer.js';
import { homeUnusable } from '../config/home.js';
import { ensurePrivateDir, ensurePrivateFile, moveAside, writeFileAtomic } from './secure-file.js';
import { withFileLock, withFileLockAsync, LOCK_WAIT_MS } from '../util/file-lock.js';

/**
 * Named Segment connections on disk: `connections.json` (0600) in the config home (0700).
 * Names, regions and the last check results are plain JSON; the write key and token are sealed
 * (see sealer.ts). The file is re-read whenever it changed on disk, so a `connections add` in a
 * terminal reaches a running server without a restart.
 */

export const STORE_FILE = 'connections.json';
export const KEY_FILE = 'store.key';
export const DEFAULT_CONNECTION = 'default';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/** A stored connection by name, its own only: "constructor" or "toString" is a name, not what every object inherits. */
const own = <T>(records: Record<string, T>, name: string): T | undefined => (Object.hasOwn(records, name) ? records[name] : undefined);

export function checkConnectionName(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  // Quoted only when it reads as a name someone meant: a secret pasted into --name is not printed back.
  const shown = /^[\w .-]{1,40}$/.test(name) && !/\d.*\d.*\d.*\d/.test(name) ? `"${name}"` : `something else (${name.length} characters, not shown)`;
  return `Connection names are 1-40 letters, digits, "-" or "_" (starting with a letter or digit); got ${shown}.`;
}

const capState = z.enum(['ACTIVE', 'UNVERIFIED', 'REQUIRES_PARAMETERS', 'FAILED', 'EXPIRED']);
const checkSchema = z.object({
  state: capState,
  detail: z.string(),
  at: z.string(),
  workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }).optional(),
  source_name: z.string().optional(),
  /** The token was accepted at some point: a later 401 means EXPIRED, not FAILED. */
  worked: z.boolean().optional(),
  /** Segment could not be reached: the credential itself was not refused. */
  unreachable: z.boolean().optional(),
});
export type CheckRecord = z.infer<typeof checkSchema>;
export type Checks = { token?: CheckRecord; write_key?: CheckRecord };

const boxSchema = z.object({
  alg: z.literal('A256GCM'),
  kdf: z.enum(['keyfile', 'scrypt']),
  salt: z.string().optional(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
const connectionSchema = z.object({
  region: z.enum(['us', 'eu']),
  secrets: boxSchema,
  updated_at: z.string(),
  checks: z.object({ token: checkSchema.optional(), write_key: checkSchema.optional() }).default({}),
});
const fileSchema = z.object({ version: z.literal(1), connections: z.record(z.string(), connectionSchema) });
type StoreFile = z.infer<typeof fileSchema>;
type StoredRecord = z.infer<typeof connectionSchema>;

export interface Secrets {
  writeKey?: string;
  token?: string;
}

/** What `put` stores under a name. */
export interface NewConnection {
  region: Region;
  secrets: Secrets;
  checks?: Checks;
  /**
   * Save only if the stored record is still the one read (its updated_at; null: there was none). A
   * submission that keeps a stored secret read it earlier: another save in between must not be undone.
   */
  unchangedSince?: string | null;
}

/** The record changed between the read and the save that depended on it (NewConnection.unchangedSince). */
export class StoreChangedError extends Error {}

/** One stored connection with its secrets opened (or why they could not be). */
export interface StoredConnection {
  name: string;
  region: Region;
  updated_at: string;
  checks: Checks;
  secrets: Secrets;
  /** Set when the secrets could not be decrypted (the key changed); `secrets` is then empty. */
  keyProblem?: string;
}

/** The store file could not be read; it has been moved aside (never overwritten). */
export class StoreCorruptError extends Error {
  override name = 'StoreCorruptError';
  constructor(
    readonly path: string,
    readonly movedTo: string,
    reason: string,
  ) {
    super(`The credential store ${path} could not be read (${reason}). It was moved to ${movedTo} and left untouched; add the connections again (segment-router connections add, or MANAGE_CONNECTIONS action "connect").`);
  }
}

/** The config home cannot be used at all: its message says so and what to set. */
export class HomeError extends Error {
  override name = 'HomeError';
}

/** Stores found damaged and set aside (`connections.json.corrupt-<time>`) in `home`, oldest first: their connections are not in use. */
export function setAsideStores(home: string): string[] {
  try {
    return readdirSync(home).filter((f) => f.startsWith(`${STORE_FILE}.corrupt-`)).sort().map((f) => join(home, f));
  } catch {
    return [];
  }
}

/**
 * How long saving check results waits for the store's lock (connections/sources.ts logs when it gives
 * up): past any save another process makes (a few ms, an fsynced write), far short of the 10 s a lock
 * left by a killed process takes to go stale, which froze a server's event loop.
 */
const CHECKS_LOCK_WAIT_MS = 1_000;

export class CredentialStore {
  readonly path: string;
  /** The file as last read, by stamp, with each connection decrypted at most once per version. */
  private cache?: { stamp: string; file: StoreFile; opened: Map<string, StoredConnection> };

  constructor(
    readonly home: string,
    readonly sealer: Sealer = new Sealer(join(home, KEY_FILE)),
  ) {
    this.path = join(home, STORE_FILE);
  }

  names(): string[] {
    return Object.keys(this.current().connections).sort();
  }

  /** Called on every tool call: decrypts only when the file changed since the last read. */
  get(name: string): StoredConnection | undefined {
    const rec = own(this.current().connections, name);
    if (!rec) return undefined;
    const opened = this.cache?.opened;
    let conn = opened?.get(name);
    if (!conn) {
      conn = this.open(name, rec);
      opened?.set(name, conn);
    }
    return structuredClone(conn);
  }

  list(): StoredConnection[] {
    return this.names().map((name) => this.get(name)!);
  }

  /** Creates or replaces a connection's secrets and region; earlier check results are dropped with them. */
  put(name: string, value: NewConnection, opts: { newKey?: boolean } = {}): void {
    this.update(this.replacing(name, value, opts));
  }

  /**
   * `put` for a server (the connect page): waiting for the lock lets the event loop run, so a lock
   * left by a process killed while saving holds up this save, not every other call, until it goes stale.
   */
  async putAsync(name: string, value: NewConnection, opts: { newKey?: boolean } = {}): Promise<void> {
    await this.updateAsync(this.replacing(name, value, opts));
  }

  private replacing(name: string, value: NewConnection, opts: { newKey?: boolean }): (file: StoreFile) => boolean {
    const secrets: Secrets = {};
    if (value.secrets.writeKey) secrets.writeKey = value.secrets.writeKey;
    if (value.secrets.token) secrets.token = value.secrets.token;
    if (!opts.newKey) this.refuseSilentNewKey();
    // Sealed before taking the lock: the lock is held only for the read and the write.
    const sealed = this.sealer.seal(JSON.stringify(secrets), aad(name));
    return (file) => {
      if (value.unchangedSince !== undefined && (own(file.connections, name)?.updated_at ?? null) !== value.unchangedSince) {
        throw new StoreChangedError(`the stored "${name}" connection changed while these credentials were being checked (another process saved or removed it)`);
      }
      file.connections[name] = { region: value.region, secrets: sealed, updated_at: new Date().toISOString(), checks: value.checks ?? {} };
      return true;
    };
  }

  /**
   * Records check results without touching the secrets. Skipped if the connection is gone or was
   * rewritten since `updatedAt` (the results would describe secrets that are no longer there).
   */
  async saveChecks(name: string, checks: Checks, updatedAt?: string): Promise<void> {
    // Results are a cache, worth a short wait only, and never one that holds the event loop: a lock
    // left by a process killed while saving goes stale only after 10 s. Still locked, not saved this time.
    await this.updateAsync((file) => {
      const rec = own(file.connections, name);
      if (!rec || (updatedAt !== undefined && rec.updated_at !== updatedAt)) return false;
      rec.checks = checks;
      return true;
    }, CHECKS_LOCK_WAIT_MS);
  }

  remove(name: string): boolean {
    return this.update(removing(name));
  }

  /** `remove` for a server (MANAGE_CONNECTIONS disconnect): waits for the lock as `putAsync` does. */
  removeAsync(name: string): Promise<boolean> {
    return this.updateAsync(removing(name));
  }

  /**
   * A missing key file must not be replaced quietly: every connection sealed with the old key would
   * stop decrypting at once. With such connections on disk, a new key needs the explicit flag.
   */
  private refuseSilentNewKey(): void {
    if (!this.sealer.wouldCreateKey) return;
    const orphans = Object.entries(this.current().connections).filter(([, r]) => r.secrets.kdf === 'keyfile').map(([n]) => n);
    if (!orphans.length) return;
    throw new KeyError(
      `The key file ${this.sealer.keyFile} is missing, and ${orphans.length} stored connection${orphans.length > 1 ? 's' : ''} (${orphans.slice(0, 5).join(', ')}${orphans.length > 5 ? ', ...' : ''}) ${orphans.length > 1 ? 'were' : 'was'} encrypted with it, so ${orphans.length > 1 ? 'they' : 'it'} cannot be decrypted. No new key was made. Restore the key file from a backup; or start over with a new key (the old connections stay unreadable until removed) with: segment-router connections add --new-key`,
    );
  }

  /**
   * Read-modify-write under the store's cross-process lock, on the file as it is on disk now (never a
   * cached copy): `change` edits it and says whether to write it back.
   */
  private update(change: (file: StoreFile) => boolean, lockWaitMs?: number): boolean {
    ensurePrivateDir(this.home);
    return withFileLock(this.path, () => this.rewrite(change), lockWaitMs);
  }

  /** The read-modify-write itself, under the lock. */
  private rewrite(change: (file: StoreFile) => boolean): boolean {
    this.cache = undefined;
    const file = this.read();
    if (!change(file)) return false;
    this.write(file);
    return true;
  }

  private updateAsync(change: (file: StoreFile) => boolean, lockWaitMs = LOCK_WAIT_MS): Promise<boolean> {
    ensurePrivateDir(this.home);
    return withFileLockAsync(this.path, () => this.rewrite(change), lockWaitMs);
  }

  private open(name: string, rec: StoredRecord): StoredConnection {
    const base = { name, region: rec.region, updated_at: rec.updated_at, checks: rec.checks };
    try {
      const s = JSON.parse(this.sealer.open(rec.secrets, aad(name))) as Secrets;
      return { ...base, secrets: { writeKey: str(s.writeKey), token: str(s.token) } };
    } catch (err) {
      return { ...base, secrets: {}, keyProblem: (err as Error).message };
    }
  }

  /** A copy of the file to change and write back. */
  private read(): StoreFile {
    return structuredClone(this.current());
  }

  /** The file as it is on disk now (read-only: shared with the cache); a missing file is an empty store; a damaged one is moved aside. */
  private current(): StoreFile {
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache = undefined;
        return { version: 1, connections: {} };
      }
      const unusable = homeUnusable(this.home, err, 'stored connections are kept there');
      throw unusable ? new HomeError(unusable) : err;
    }
    if (this.cache?.stamp === stamp) return this.cache.file;
    ensurePrivateFile(this.path);
    const text = readFileSync(this.path, 'utf8');
    let file: StoreFile;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`unexpected content at ${parsed.error.issues[0]?.path.join('.') || 'top level'}`);
      file = parsed.data;
    } catch (err) {
      const reason = err instanceof SyntaxError ? 'not valid JSON' : (err as Error).message;
      this.cache = undefined;
      throw new StoreCorruptError(this.path, moveAside(this.path, 'corrupt'), reason);
    }
    this.cache = { stamp, file, opened: new Map() };
    return file;
  }

  private write(file: StoreFile): void {
    writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n');
    this.cache = undefined;
  }
}

/** Binds sealed secrets to their connection's name. */
const aad = (name: string) => `segment-router/connection/${name}`;

/** The change that takes a connection out of the store (nothing to write when it is not there). */
const removing =
  (name: string) =>
  (file: StoreFile): boolean => {
    if (!own(file.connections, name)) return false;
    delete file.connections[name];
    return true;
  };

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
