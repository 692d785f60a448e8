import { ConfigError, type Region, type RuntimeConfig } from '../config/runtime.js';
import type { Logger } from '../util/log.js';
import { tooShortSecret } from '../security/redact.js';
import { checkConnectionName, DEFAULT_CONNECTION, StoreCorruptError, type Checks, type CredentialStore, type Secrets } from './store.js';

/**
 * Where a connection's credentials come from, with one rule: for the active connection the
 * environment (SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN, region from SEGMENT_REGION) wins over
 * the store as a whole, as an operator's explicit start-up setting should; mixing a key from one
 * place with a token from the other would blur which workspace a call acts on. Other named
 * connections always come from the store.
 */

export interface Resolved {
  name: string;
  source: 'env' | 'store' | 'none';
  region: Region;
  secrets: Secrets;
  checks: Checks;
  /** The stored secrets could not be decrypted, or the store could not be read. */
  problem?: string;
  notice?: string;
  /** When the stored record was written: check results are saved only onto the secrets they checked. */
  updatedAt?: string;
}

export interface SourcesDeps {
  config: RuntimeConfig;
  store: CredentialStore;
  env: NodeJS.ProcessEnv;
  active?: string;
  log?: Logger;
  /** Told about secrets as they are read, so they can be registered for redaction. */
  onSecrets: (s: Secrets) => void;
}

export class CredentialSources {
  readonly active: string;
  private readonly envSecrets?: Secrets;
  /** Check results for env credentials: these are never written to disk. */
  private envChecks: Checks = {};
  private storeNotice?: string;

  constructor(private readonly deps: SourcesDeps) {
    this.active = deps.active ?? (deps.env.SEGMENT_ROUTER_CONNECTION?.trim() || DEFAULT_CONNECTION);
    const bad = checkConnectionName(this.active);
    if (bad) throw new Error(`SEGMENT_ROUTER_CONNECTION: ${bad}`);
    const writeKey = deps.env.SEGMENT_WRITE_KEY?.trim() || undefined;
    const token = deps.env.SEGMENT_PUBLIC_API_TOKEN?.trim() || undefined;
    const short = tooShortSecret('SEGMENT_WRITE_KEY', writeKey) ?? tooShortSecret('SEGMENT_PUBLIC_API_TOKEN', token);
    // A setting like any other: refused at start, as a timeout of 0 is (exit 2 on the command line).
    if (short) throw new ConfigError(short);
    if (writeKey || token) {
      this.envSecrets = { writeKey, token };
      deps.onSecrets(this.envSecrets);
    }
  }

  get hasEnv(): boolean {
    return !!this.envSecrets;
  }

  /** True when the environment supplies this connection (so the store cannot change it). */
  envManaged(name: string): boolean {
    return name === this.active && !!this.envSecrets;
  }

  /**
   * `notice: false` leaves out what only a status shows: whether stored credentials of the same name are
   * shadowed by the environment's, which reads the store (before every call, that read was the one
   * file access of a call whose credentials come from the environment).
   */
  resolve(name: string, opts: { notice?: boolean } = {}): Resolved {
    this.rememberStored();
    if (this.envManaged(name)) {
      const shadowed = opts.notice !== false && this.names().includes(name);
      return {
        name,
        source: 'env',
        region: this.deps.config.region,
        secrets: this.envSecrets!,
        checks: this.envChecks,
        ...(shadowed ? { notice: `Stored credentials named "${name}" are not used: SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN take precedence.` } : {}),
      };
    }
    const none: Resolved = { name, source: 'none', region: this.deps.config.region, secrets: {}, checks: {} };
    try {
      const stored = this.readStored(name);
      if (!stored) return this.storeNotice ? { ...none, notice: this.storeNotice } : none;
      this.deps.onSecrets(stored.secrets);
      return {
        name,
        source: 'store',
        region: stored.region,
        secrets: stored.secrets,
        checks: stored.checks,
        updatedAt: stored.updated_at,
        ...(stored.keyProblem ? { problem: stored.keyProblem } : {}),
      };
    } catch (err) {
      return { ...none, problem: (err as Error).message };
    }
  }

  /** The stored names whose secrets were last registered (rememberStored). */
  private rememberedNames?: string;

  /**
   * Registers every stored connection's secrets for redaction, not just the one resolved: an answer can
   * hold another connection's (a shared workspace's sources list every write key). Done again only when
   * the names change; with environment credentials, once (their calls do not read the store).
   */
  private rememberStored(): void {
    if (this.envSecrets && this.rememberedNames !== undefined) return;
    const names = this.names();
    const key = names.join('\n');
    if (key === this.rememberedNames) return;
    this.rememberedNames = key;
    for (const name of names) {
      try {
        const stored = this.readStored(name);
        if (stored) this.deps.onSecrets(stored.secrets);
      } catch {
        // A connection that cannot be decrypted holds nothing readable; its own status says why.
      }
    }
  }

  /** Stored connection names; an unreadable store counts as empty (its status says why). */
  names(): string[] {
    try {
      return this.deps.store.names();
    } catch (err) {
      if (err instanceof StoreCorruptError) this.noteCorrupt(err);
      return [];
    }
  }

  async saveChecks(r: Resolved, checks: Checks): Promise<void> {
    if (r.source === 'env') {
      this.envChecks = checks;
      return;
    }
    if (r.source !== 'store') return;
    try {
      await this.deps.store.saveChecks(r.name, checks, r.updatedAt);
    } catch (err) {
      this.deps.log?.warn('could not save check results', { connection: r.name, error: (err as Error).message });
    }
  }

  /** A good store was written: a notice about one set aside earlier is no longer news. */
  storeReplaced(): void {
    this.storeNotice = undefined;
  }

  /** Reads one stored connection; a damaged store is moved aside once and reported in statuses. */
  private readStored(name: string) {
    try {
      return this.deps.store.get(name);
    } catch (err) {
      if (!(err instanceof StoreCorruptError)) throw err;
      this.noteCorrupt(err);
      return this.deps.store.get(name);
    }
  }

  private noteCorrupt(err: StoreCorruptError): void {
    this.storeNotice = err.message;
    this.deps.log?.error('credential store moved aside', { path: err.path, movedTo: err.movedTo });
  }
}
