import type { Region } from '../config/runtime.js';
import type { Capability, Credentials } from '../registry/types.js';
import { maskSecret, tooShortSecret } from '../security/redact.js';
import type { Resolved } from './sources.js';
import { ConnectionState, type StateDeps } from './state.js';
import { buildStatus, capabilityStatus, checkOf, isUsable } from './status.js';
import { checkConnectionName, StoreChangedError, type CheckRecord, type Secrets } from './store.js';
import { checkToken } from './verify.js';
import type { ConnectionService, ConnectionStatus, DisconnectOutcome, OpenLink, Readiness, StatusOptions, SubmitInput, SubmitOutcome } from './types.js';

/**
 * The connection service: status, readiness, submit and disconnect over the connection state
 * (state.ts). Readiness never touches the network: the executor asks it before every call.
 * The connect portal (portal.ts) is built on top of it; this layer knows of links only through
 * `linkFor`, so that a status can say INITIATED.
 */

export interface ServiceDeps extends Omit<StateDeps, 'env'> {
  env?: NodeJS.ProcessEnv;
}

export class StoreConnectionService implements ConnectionService {
  readonly active: string;
  protected readonly state: ConnectionState;

  constructor(protected readonly deps: ServiceDeps) {
    this.state = new ConnectionState({ ...deps, env: deps.env ?? process.env });
    this.active = this.state.active;
  }

  /** True when the environment supplies this connection (so the store cannot change it). */
  envManaged(name: string): boolean {
    return this.state.sources.envManaged(name);
  }

  async credentials(): Promise<Credentials> {
    const r = this.state.resolve(this.active, { notice: false });
    return { writeKey: r.secrets.writeKey, token: r.secrets.token, region: r.region };
  }

  secrets(): string[] {
    return this.state.secrets();
  }

  async status(opts: StatusOptions = {}): Promise<ConnectionStatus> {
    const name = this.nameOf(opts.connection);
    const first = this.state.resolve(name);
    const hasSecret = !!(first.secrets.writeKey || first.secrets.token);
    if (hasSecret && !first.problem && !opts.cached && (opts.verify || !this.state.wasChecked(name))) await this.state.ensureChecked(name, !!opts.verify);
    return this.build(this.state.resolve(name));
  }

  async readiness(capability: Capability): Promise<Readiness> {
    // Asked before every call: what only a refusal shows (the status's notice) is read only for one.
    const r = this.state.resolve(this.active, { notice: false });
    if (isUsable(capabilityStatus(capability, r), checkOf(r.checks, capability))) return { ready: true };
    const status = this.build(this.state.resolve(this.active));
    return { ready: false, status, capability: status.capabilities[capability] };
  }

  reportSuccess(capability: Capability): void {
    this.state.reportSuccess(this.active, capability);
  }

  reportAuthFailure(capability: Capability, httpStatus: number): Promise<void> {
    return this.state.reportAuthFailure(this.active, capability, httpStatus);
  }

  isStored(connection?: string): boolean {
    return this.state.sources.names().includes(this.nameOf(connection));
  }

  async disconnect(connection?: string): Promise<DisconnectOutcome> {
    const name = this.nameOf(connection);
    let removed = false;
    try {
      removed = await this.deps.store.removeAsync(name);
    } catch (err) {
      return { ok: false, status: this.build(this.state.resolve(name)), message: `Could not update the credential store: ${(err as Error).message}`, hint: 'Check the config home\'s permissions; nothing was removed.' };
    }
    this.state.forget(name);
    const status = this.build(this.state.resolve(name));
    if (removed) return { ok: true, removed: name, status };
    return this.envManaged(name)
      ? { ok: false, status, message: `Nothing stored under "${name}": its credentials come from environment variables.`, hint: 'The operator removes SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN from the MCP client\'s configuration and restarts segment-router.' }
      : { ok: false, status, message: `No stored connection named "${name}".`, hint: `Stored connections: ${this.state.sources.names().join(', ') || 'none'}.` };
  }

  /**
   * Checks new credentials and stores them if Segment does not refuse them. Empty fields keep what
   * is stored. Used by the connect page and by `connections add`.
   */
  async submit(connection: string, input: SubmitInput, opts: { verify?: boolean; newKey?: boolean } = {}): Promise<SubmitOutcome> {
    const name = this.nameOf(connection);
    if (this.envManaged(name)) return { ok: false, error: `The "${name}" connection is set by environment variables, which take precedence; nothing was stored.` };
    let existing: Secrets = {};
    let readAt: string | null = null;
    try {
      const stored = this.deps.store.get(name);
      readAt = stored?.updated_at ?? null;
      if (stored && !stored.keyProblem) existing = stored.secrets;
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const unusable = secretProblem('write key', input.writeKey) ?? secretProblem('Public API token', input.token);
    if (unusable) return { ok: false, error: unusable };
    const secrets: Secrets = { writeKey: input.writeKey ?? existing.writeKey, token: input.token ?? existing.token };
    this.state.remember(secrets);
    if (!secrets.writeKey && !secrets.token) return { ok: false, error: 'Enter a write key, a Public API token, or both.' };

    const verify = opts.verify !== false;
    const checks = verify ? await this.state.checkNew(secrets, input.region) : {};
    if (verify) {
      const t = checks.token;
      if (t && t.state !== 'ACTIVE') return { ok: false, error: `${t.detail} Nothing was saved.` };
      if (checks.write_key?.state === 'FAILED') return { ok: false, error: `The write key${input.writeKey ? '' : ' already stored'} was not accepted: ${checks.write_key.detail} Nothing was saved.` };
    }
    // A field left empty keeps the stored secret as read above: saved only if nothing was saved since.
    const keeps = (!input.writeKey && !!existing.writeKey) || (!input.token && !!existing.token);
    try {
      await this.deps.store.putAsync(name, { region: input.region, secrets, checks, ...(keeps ? { unchangedSince: readAt } : {}) }, { newKey: opts.newKey });
    } catch (err) {
      if (err instanceof StoreChangedError) return { ok: false, error: `Nothing was saved: ${err.message}. Submit again to keep what is stored now, or fill in both fields.` };
      return { ok: false, error: `Could not save: ${(err as Error).message}` };
    }
    this.state.stored(name, verify);
    this.deps.log?.info('connection stored', { connection: name, region: input.region, writeKey: maskSecret(secrets.writeKey), token: maskSecret(secrets.token) });
    // The link that brought these credentials is spent by this very submission.
    return { ok: true, status: this.build(this.state.resolve(name), false) };
  }

  /** The capabilities whose last check failed only because Segment could not be reached (doctor says so plainly). */
  unreachable(connection?: string): Capability[] {
    const r = this.state.resolve(this.nameOf(connection));
    return (['tracking', 'public_api'] as const).filter((c) => checkOf(r.checks, c)?.unreachable);
  }

  /** Checks a connection's token against another region's Public API, storing nothing (doctor's region check). */
  async checkTokenIn(connection: string | undefined, region: Region): Promise<CheckRecord | undefined> {
    const token = this.state.resolve(this.nameOf(connection)).secrets.token;
    return token ? checkToken(this.deps, token, region) : undefined;
  }

  /** Stored connections and, for the active one, the environment, without touching the network. */
  listOffline(): ConnectionStatus[] {
    const names = new Set(this.state.sources.names());
    if (this.state.sources.hasEnv) names.add(this.active);
    return [...names].sort().map((n) => this.build(this.state.resolve(n)));
  }

  /** What a person may see of a connection's secrets: at most the last 4 characters. */
  masked(connection?: string): { writeKey?: string; token?: string } {
    const r = this.state.resolve(this.nameOf(connection));
    return {
      ...(r.secrets.writeKey ? { writeKey: maskSecret(r.secrets.writeKey) } : {}),
      ...(r.secrets.token ? { token: maskSecret(r.secrets.token) } : {}),
    };
  }

  async close(): Promise<void> {}

  /** The open connect link of a connection; none at this layer (the portal above has them). */
  protected linkFor(_name: string): OpenLink | undefined {
    return undefined;
  }

  protected nameOf(connection: string | undefined): string {
    const name = connection?.trim() || this.active;
    const bad = checkConnectionName(name);
    if (bad) throw new ConnectionNameError(bad);
    return name;
  }

  protected build(r: Resolved, withLink = true): ConnectionStatus {
    const link = r.source === 'env' || !withLink ? undefined : this.linkFor(r.name);
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
}

/** A connection name that is not allowed: a usage error, reported as such. */
export class ConnectionNameError extends Error {
  override name = 'ConnectionNameError';
}

/**
 * What is wrong with a pasted secret that no Segment key or token could hold: a line break, a space, a
 * control or non-ASCII character (a paste that caught more than the key). Sent as it is, it failed as
 * "could not reach the Public API", which sent people to check their network.
 */
function secretProblem(label: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const short = tooShortSecret(`The ${label}`, value);
  if (short) return `${short} Nothing was saved.`;
  const at = value.search(/[^\x21-\x7e]/);
  if (at < 0) return undefined;
  const c = value.charCodeAt(at);
  const what = c === 0x0a || c === 0x0d ? 'a line break' : c === 0x20 || c === 0x09 ? 'a space' : c < 0x20 || c === 0x7f ? 'a control character' : 'a character that is not plain ASCII';
  return `The ${label} contains ${what} (at character ${at + 1} of ${value.length}): Segment's keys and tokens are one word of letters, digits and punctuation. Paste it again, just the key. Nothing was saved.`;
}
