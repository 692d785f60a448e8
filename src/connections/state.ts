import type { Region, RuntimeConfig } from '../config/runtime.js';
import type { HttpClient } from '../http/client.js';
import type { Capability } from '../registry/types.js';
import type { Logger } from '../util/log.js';
import { CredentialSources, type Resolved } from './sources.js';
import type { Checks, CredentialStore, Secrets } from './store.js';
import { checkToken, checkWriteKey, hasWorked, tokenRefused } from './verify.js';

/**
 * What is known about each connection in this process: its credentials (sources.ts: environment
 * first for the active connection, else the store), the checks against Segment and when they ran,
 * and every secret seen so far.
 *
 * Checks run once per process on first status (and on every verify); their results are kept in
 * the store with the connection, so "it worked before" survives a restart and a later 401 reads
 * EXPIRED. Nothing here builds a status or talks to a person: the service above does.
 */

export interface StateDeps {
  config: RuntimeConfig;
  http: HttpClient;
  store: CredentialStore;
  env: NodeJS.ProcessEnv;
  /** The connection EXECUTE_TOOL uses (SEGMENT_ROUTER_CONNECTION, else "default"). */
  active?: string;
  /** Told every secret the moment it becomes known, so the redactor can mask it. */
  onSecret?: (secret: string) => void;
  log?: Logger;
}

export class ConnectionState {
  readonly active: string;
  readonly sources: CredentialSources;
  private readonly checkedThisProcess = new Set<string>();
  /** Connections whose token a Public API call has proven in this process. */
  private readonly tokenWorked = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly known = new Set<string>();

  constructor(private readonly deps: StateDeps) {
    this.sources = new CredentialSources({ ...deps, onSecrets: (s) => this.remember(s) });
    this.active = this.sources.active;
  }

  resolve(name: string, opts?: { notice?: boolean }): Resolved {
    return this.sources.resolve(name, opts);
  }

  /** Every secret seen so far, so the redactor can mask them. */
  secrets(): string[] {
    return [...this.known];
  }

  remember(secrets: Secrets | undefined): void {
    for (const s of [secrets?.writeKey, secrets?.token]) {
      if (s && !this.known.has(s)) {
        this.known.add(s);
        this.deps.onSecret?.(s);
      }
    }
  }

  /** Checks a connection's credentials with Segment: once per process, or again when forced. */
  async ensureChecked(name: string, force: boolean): Promise<void> {
    const running = this.inflight.get(name);
    if (running) return running;
    if (!force && this.checkedThisProcess.has(name)) return;
    const p = this.check(name).finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
    return p;
  }

  wasChecked(name: string): boolean {
    return this.checkedThisProcess.has(name);
  }

  /** After new credentials were stored: checked with them, or to be checked on the next status. */
  stored(name: string, checked: boolean): void {
    this.sources.storeReplaced();
    if (checked) this.checkedThisProcess.add(name);
    else this.checkedThisProcess.delete(name);
  }

  forget(name: string): void {
    this.checkedThisProcess.delete(name);
  }

  /** Checks credentials that are not stored yet (the connect page, `connections add`). */
  async checkNew(secrets: Secrets, region: Region): Promise<Checks> {
    const checks: Checks = {};
    if (secrets.token) checks.token = await checkToken(this.deps, secrets.token, region);
    if (secrets.writeKey) checks.write_key = await checkWriteKey(this.deps, secrets.writeKey, region, secrets.token, checks.token);
    return checks;
  }

  /** A Tracking API 200 proves nothing (any key is accepted); a Public API answer proves the token. */
  reportSuccess(name: string, capability: Capability): void {
    if (capability === 'public_api') this.tokenWorked.add(name);
  }

  async reportAuthFailure(name: string, capability: Capability, httpStatus: number): Promise<void> {
    const r = this.resolve(name);
    const at = new Date().toISOString();
    const checks: Checks = { ...r.checks };
    if (capability === 'public_api') {
      // A 403 is about one operation's permission, not the token as a whole.
      if (httpStatus !== 401) return;
      checks.token = tokenRefused(hasWorked(checks.token) || this.tokenWorked.has(r.name), at);
    } else {
      checks.write_key = { state: 'FAILED', detail: `Segment refused the write key (HTTP ${httpStatus}).`, at };
    }
    await this.sources.saveChecks(r, checks);
    // A refusal Segment just gave is fresher than a check nobody asked for: status shows it until `verify`.
    this.checkedThisProcess.add(r.name);
  }

  private async check(name: string): Promise<void> {
    const r = this.resolve(name);
    const checks: Checks = {};
    if (r.secrets.token) checks.token = await checkToken(this.deps, r.secrets.token, r.region, r.checks.token);
    if (r.secrets.writeKey) checks.write_key = await checkWriteKey(this.deps, r.secrets.writeKey, r.region, r.secrets.token, checks.token);
    this.checkedThisProcess.add(name);
    await this.sources.saveChecks(r, checks);
  }
}
