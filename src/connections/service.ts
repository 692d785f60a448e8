import type { RuntimeConfig } from '../config/runtime.js';
import type { HttpClient } from '../http/client.js';
import type { Capability, Credentials } from '../registry/types.js';
import { maskSecret } from '../security/redact.js';
import type { Logger } from '../util/log.js';
import { ConnectPortal, type SubmitAnswer, type SubmitInput } from './connect-server.js';
import { buildStatus, checkOf, isUsable } from './status.js';
import { CredentialSources, type Resolved } from './sources.js';
import { checkConnectionName, type Checks, type CredentialStore, type Secrets } from './store.js';
import type { ConnectionService, ConnectionStatus, ConnectOutcome, DisconnectOutcome, Readiness, StatusOptions } from './types.js';
import { checkToken, checkWriteKey } from './verify.js';

/**
 * The connection service: status, checks, readiness, connect and disconnect over the credentials
 * that sources.ts finds (environment first for the active connection, else the store).
 *
 * Checks run once per process on first status (and on every verify); their results are kept in
 * the store with the connection, so "it worked before" survives a restart and a later 401 reads
 * EXPIRED. Readiness never touches the network: the executor asks it before every call.
 */

export interface ServiceDeps {
  config: RuntimeConfig;
  http: HttpClient;
  store: CredentialStore;
  env?: NodeJS.ProcessEnv;
  /** The connection EXECUTE_TOOL uses (SEGMENT_ROUTER_CONNECTION, else "default"). */
  active?: string;
  /** Told every secret the moment it becomes known, so the redactor can mask it. */
  onSecret?: (secret: string) => void;
  log?: Logger;
}

export class StoreConnectionService implements ConnectionService {
  readonly active: string;
  private readonly sources: CredentialSources;
  private readonly checkedThisProcess = new Set<string>();
  /** Connections whose token a Public API call has proven in this process. */
  private readonly tokenWorked = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly known = new Set<string>();
  readonly portal: ConnectPortal;

  constructor(private readonly deps: ServiceDeps) {
    this.sources = new CredentialSources({ ...deps, env: deps.env ?? process.env, onSecrets: (s) => this.remember(s) });
    this.active = this.sources.active;
    this.portal = new ConnectPortal({ submit: (n, i) => this.submit(n, i), describe: (n) => this.describe(n) });
  }

  /** True when the environment supplies this connection (so the store cannot change it). */
  envManaged(name: string): boolean {
    return this.sources.envManaged(name);
  }

  async credentials(): Promise<Credentials> {
    const r = this.resolve(this.active);
    return { writeKey: r.secrets.writeKey, token: r.secrets.token, region: r.region };
  }

  secrets(): string[] {
    return [...this.known];
  }

  async status(opts: StatusOptions = {}): Promise<ConnectionStatus> {
    const name = this.nameOf(opts.connection);
    const first = this.resolve(name);
    const hasSecret = !!(first.secrets.writeKey || first.secrets.token);
    if (hasSecret && !first.problem && !opts.cached && (opts.verify || !this.checkedThisProcess.has(name))) await this.verifyOnce(name, !!opts.verify);
    return this.build(this.resolve(name));
  }

  async readiness(capability: Capability): Promise<Readiness> {
    const r = this.resolve(this.active);
    const status = this.build(r);
    const cap = status.capabilities[capability];
    if (isUsable(cap, checkOf(r.checks, capability))) return { ready: true };
    return { ready: false, status, capability: cap };
  }

  /** A Tracking API 200 proves nothing (any key is accepted); a Public API answer proves the token. */
  reportSuccess(capability: Capability): void {
    if (capability === 'public_api') this.tokenWorked.add(this.active);
  }

  reportAuthFailure(capability: Capability, httpStatus: number): void {
    const r = this.resolve(this.active);
    const at = new Date().toISOString();
    const checks: Checks = { ...r.checks };
    if (capability === 'public_api') {
      // A 403 is about one operation's permission, not the token as a whole.
      if (httpStatus !== 401) return;
      const worked = !!checks.token?.worked || checks.token?.state === 'ACTIVE' || this.tokenWorked.has(r.name);
      checks.token = worked
        ? { state: 'EXPIRED', detail: 'The token worked before and Segment now refuses it (HTTP 401): it was revoked or expired.', at, worked: true }
        : { state: 'FAILED', detail: 'Segment refused the token (HTTP 401): it is wrong or revoked.', at };
    } else {
      checks.write_key = { state: 'FAILED', detail: `Segment refused the write key (HTTP ${httpStatus}).`, at };
    }
    this.saveChecks(r, checks);
    // A refusal Segment just gave is fresher than a check nobody asked for: status shows it until `verify`.
    this.checkedThisProcess.add(r.name);
  }

  async connect(opts: { connection?: string; onComplete?: () => void } = {}): Promise<ConnectOutcome> {
    const name = this.nameOf(opts.connection);
    if (this.envManaged(name)) {
      return {
        ok: false,
        status: this.build(this.resolve(name)),
        message: `The "${name}" connection comes from environment variables (SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN), which take precedence over stored credentials, so a connect page would change nothing.`,
        hint: 'The operator changes those variables in the MCP client\'s configuration and restarts segment-router, or removes them to use stored connections.',
      };
    }
    const link = await this.portal.open(name, opts.onComplete);
    return { ok: true, status: this.build(this.resolve(name)), elicitationId: link.id, url: link.url };
  }

  /** Withdraws an open connect link (the user declined it). */
  cancelConnect(connection?: string): void {
    this.portal.cancel(this.nameOf(connection));
  }

  isStored(connection?: string): boolean {
    return this.sources.names().includes(this.nameOf(connection));
  }

  async disconnect(connection?: string): Promise<DisconnectOutcome> {
    const name = this.nameOf(connection);
    this.portal.cancel(name);
    let removed = false;
    try {
      removed = this.deps.store.remove(name);
    } catch (err) {
      return { ok: false, status: this.build(this.resolve(name)), message: `Could not update the credential store: ${(err as Error).message}`, hint: 'Check the config home\'s permissions; nothing was removed.' };
    }
    this.checkedThisProcess.delete(name);
    const status = this.build(this.resolve(name));
    if (removed) return { ok: true, removed: name, status };
    return this.envManaged(name)
      ? { ok: false, status, message: `Nothing stored under "${name}": its credentials come from environment variables.`, hint: 'The operator removes SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN from the MCP client\'s configuration and restarts segment-router.' }
      : { ok: false, status, message: `No stored connection named "${name}".`, hint: `Stored connections: ${this.sources.names().join(', ') || 'none'}.` };
  }

  /**
   * Checks new credentials and stores them if Segment does not refuse them. Empty fields keep what
   * is stored. Used by the connect page and by `connections add`.
   */
  async submit(connection: string, input: SubmitInput, opts: { verify?: boolean } = {}): Promise<SubmitAnswer & { status?: ConnectionStatus }> {
    const name = this.nameOf(connection);
    if (this.envManaged(name)) return { ok: false, error: `The "${name}" connection is set by environment variables, which take precedence; nothing was stored.` };
    let existing: Secrets = {};
    try {
      const stored = this.deps.store.get(name);
      if (stored && !stored.keyProblem) existing = stored.secrets;
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const secrets: Secrets = { writeKey: input.writeKey ?? existing.writeKey, token: input.token ?? existing.token };
    this.remember(secrets);
    if (!secrets.writeKey && !secrets.token) return { ok: false, error: 'Enter a write key, a Public API token, or both.' };

    const checks: Checks = {};
    if (opts.verify !== false) {
      if (secrets.token) checks.token = await checkToken(this.deps, secrets.token, input.region);
      if (secrets.writeKey) checks.write_key = await checkWriteKey(this.deps, secrets.writeKey, input.region, secrets.token, checks.token);
      const t = checks.token;
      if (t && t.state !== 'ACTIVE') return { ok: false, error: `${t.detail} Nothing was saved.` };
      if (checks.write_key?.state === 'FAILED') return { ok: false, error: `The write key${input.writeKey ? '' : ' already stored'} was not accepted: ${checks.write_key.detail} Nothing was saved.` };
    }
    try {
      this.deps.store.put(name, { region: input.region, secrets, checks });
    } catch (err) {
      return { ok: false, error: `Could not save: ${(err as Error).message}` };
    }
    this.sources.storeReplaced();
    if (opts.verify !== false) this.checkedThisProcess.add(name);
    else this.checkedThisProcess.delete(name);
    this.deps.log?.info('connection stored', { connection: name, region: input.region, writeKey: maskSecret(secrets.writeKey), token: maskSecret(secrets.token) });
    // The link that brought these credentials is spent by this very submission.
    const status = this.build(this.resolve(name), false);
    return {
      ok: true,
      status,
      view: {
        connection: name,
        status: status.status,
        region: status.region,
        ...(status.workspace ? { workspace: `${status.workspace.name} (${status.workspace.slug})` } : {}),
        tracking: capabilityLine(status, 'tracking'),
        publicApi: capabilityLine(status, 'public_api'),
      },
    };
  }

  /** Stored connections and, for the active one, the environment, without touching the network. */
  listOffline(): ConnectionStatus[] {
    const names = new Set(this.sources.names());
    if (this.sources.hasEnv) names.add(this.active);
    return [...names].sort().map((n) => this.build(this.resolve(n)));
  }

  /** What a person may see of a connection's secrets: at most the last 4 characters. */
  masked(connection?: string): { writeKey?: string; token?: string } {
    const r = this.resolve(this.nameOf(connection));
    return {
      ...(r.secrets.writeKey ? { writeKey: maskSecret(r.secrets.writeKey) } : {}),
      ...(r.secrets.token ? { token: maskSecret(r.secrets.token) } : {}),
    };
  }

  async close(): Promise<void> {
    await this.portal.close();
  }

  private describe(name: string) {
    const r = this.resolve(name);
    return { region: r.region, stored: { writeKey: !!r.secrets.writeKey, token: !!r.secrets.token } };
  }

  private nameOf(connection: string | undefined): string {
    const name = connection?.trim() || this.active;
    const bad = checkConnectionName(name);
    if (bad) throw new ConnectionNameError(bad);
    return name;
  }

  private async verifyOnce(name: string, force: boolean): Promise<void> {
    const running = this.inflight.get(name);
    if (running) return running;
    if (!force && this.checkedThisProcess.has(name)) return;
    const p = this.verify(name).finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
    return p;
  }

  private async verify(name: string): Promise<void> {
    const r = this.resolve(name);
    const checks: Checks = {};
    if (r.secrets.token) checks.token = await checkToken(this.deps, r.secrets.token, r.region, r.checks.token);
    if (r.secrets.writeKey) checks.write_key = await checkWriteKey(this.deps, r.secrets.writeKey, r.region, r.secrets.token, checks.token);
    this.checkedThisProcess.add(name);
    this.saveChecks(r, checks);
  }

  private resolve(name: string): Resolved {
    return this.sources.resolve(name);
  }

  private saveChecks(r: Resolved, checks: Checks): void {
    this.sources.saveChecks(r, checks);
  }

  private build(r: Resolved, withLink = true): ConnectionStatus {
    const link = r.source === 'env' || !withLink ? undefined : this.portal.pending(r.name);
    return buildStatus({
      name: r.name,
      source: r.source,
      region: r.region,
      secrets: r.secrets,
      checks: r.checks,
      ...(r.problem ? { problem: r.problem } : {}),
      ...(link ? { connect: { url: link.url, expires_at: link.expires_at } } : {}),
      ...(r.notice ? { notice: r.notice } : {}),
      ...(this.deps.config.surface ? { surface: this.deps.config.surface } : {}),
    });
  }

  private remember(secrets: Secrets | undefined): void {
    for (const s of [secrets?.writeKey, secrets?.token]) {
      if (s && !this.known.has(s)) {
        this.known.add(s);
        this.deps.onSecret?.(s);
      }
    }
  }
}

/** A connection name that is not allowed: a usage error, reported as such. */
export class ConnectionNameError extends Error {
  override name = 'ConnectionNameError';
}

function capabilityLine(s: ConnectionStatus, cap: Capability): string {
  const c = s.capabilities[cap];
  if (c.state === 'ACTIVE' && c.source_name) return `ACTIVE (source "${c.source_name}")`;
  if (c.state === 'REQUIRES_PARAMETERS') return 'not configured';
  return c.state === 'UNVERIFIED' ? 'UNVERIFIED (saved, but it could not be checked: see the status in your assistant)' : c.state;
}
