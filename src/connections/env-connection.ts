import { baseUrl, type Region, type RuntimeConfig } from '../config/runtime.js';
import type { HttpClient } from '../http/client.js';
import { sendWithRetries } from '../http/retry.js';
import type { Capability, Credentials } from '../registry/types.js';
import type { CapabilityStatus, ConnectionService, ConnectionStatus, ConnectionState, Readiness } from './types.js';

/**
 * Credentials from the environment: SEGMENT_WRITE_KEY, SEGMENT_PUBLIC_API_TOKEN, SEGMENT_REGION.
 * The token is checked for real with GET / (getWorkspace); a write key cannot be checked through the
 * Tracking API (it answers 200 to any key), so on its own it is reported UNVERIFIED, never assumed good.
 */
export class EnvConnection implements ConnectionService {
  private readonly writeKey?: string;
  private readonly token?: string;
  private readonly region: Region;
  private tokenCheck?: { state: CapabilityStatus; workspace?: ConnectionStatus['workspace']; at: string };
  private authFailures: Partial<Record<Capability, number>> = {};

  constructor(
    private readonly config: RuntimeConfig,
    private readonly http: HttpClient,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.writeKey = env.SEGMENT_WRITE_KEY?.trim() || undefined;
    this.token = env.SEGMENT_PUBLIC_API_TOKEN?.trim() || undefined;
    this.region = config.region;
  }

  async credentials(): Promise<Credentials> {
    return { writeKey: this.writeKey, token: this.token, region: this.region };
  }

  secrets(): string[] {
    return [this.writeKey, this.token].filter((s): s is string => !!s);
  }

  reportAuthFailure(capability: Capability, status: number): void {
    this.authFailures[capability] = status;
    if (capability === 'public_api' && this.tokenCheck?.state.state === 'ACTIVE') {
      this.tokenCheck = { ...this.tokenCheck, state: { state: 'EXPIRED', detail: `The token worked, then Segment refused it (HTTP ${status}).` } };
    }
  }

  async readiness(capability: Capability): Promise<Readiness> {
    const status = await this.status();
    const cap = status.capabilities[capability];
    if (cap.state === 'ACTIVE' || cap.state === 'UNVERIFIED') return { ready: true };
    return { ready: false, status, capability: cap };
  }

  async status(opts: { verify?: boolean } = {}): Promise<ConnectionStatus> {
    if (this.token && (opts.verify || !this.tokenCheck)) await this.verifyToken();
    const tracking: CapabilityStatus = this.writeKey
      ? this.authFailures.tracking
        ? { state: 'FAILED', detail: `Segment refused the write key (HTTP ${this.authFailures.tracking}).` }
        : { state: 'UNVERIFIED', detail: 'A write key is set. The Tracking API accepts any key with HTTP 200, so it cannot be checked from here; events sent with a wrong key are dropped silently.' }
      : { state: 'REQUIRES_PARAMETERS', detail: 'No write key: tracking calls (identify, track, ...) cannot be sent.', missing: ['SEGMENT_WRITE_KEY'] };
    const publicApi: CapabilityStatus = this.token
      ? this.tokenCheck!.state
      : { state: 'REQUIRES_PARAMETERS', detail: 'No Public API token: workspace tools (sources, destinations, ...) cannot run.', missing: ['SEGMENT_PUBLIC_API_TOKEN'] };
    const caps = { tracking, public_api: publicApi };
    const overall = overallState(caps);
    return {
      toolkit: 'segment',
      connection: 'default',
      status: overall,
      source: this.writeKey || this.token ? 'env' : 'none',
      region: this.region,
      capabilities: caps,
      ...(this.tokenCheck?.workspace ? { workspace: this.tokenCheck.workspace } : {}),
      ...(this.tokenCheck ? { last_verified_at: this.tokenCheck.at } : {}),
      ...(instructionFor(overall, caps) ? { instruction: instructionFor(overall, caps) } : {}),
    };
  }

  private async verifyToken(): Promise<void> {
    const at = new Date().toISOString();
    const r = await sendWithRetries(
      this.http,
      { method: 'GET', url: `${baseUrl(this.config, 'public', this.region)}/`, headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/vnd.segment.v1+json' } },
      { settings: { ...this.config.retry, maxRetries: Math.min(2, this.config.retry.maxRetries) }, timeoutMs: this.config.requestTimeoutMs, idempotent: true },
    );
    const status = r.response?.status;
    if (status === 200) {
      let workspace: ConnectionStatus['workspace'];
      try {
        const w = JSON.parse(r.response!.text)?.data?.workspace;
        if (w?.id) workspace = { id: String(w.id), slug: String(w.slug ?? ''), name: String(w.name ?? '') };
      } catch {
        /* a 200 without the expected body still proves the token */
      }
      this.tokenCheck = { state: { state: 'ACTIVE', detail: 'The token was accepted by the Public API.' }, workspace, at };
    } else if (status === 401 || status === 403) {
      const wasActive = this.tokenCheck?.state.state === 'ACTIVE';
      this.tokenCheck = {
        state: wasActive
          ? { state: 'EXPIRED', detail: `The token worked before and is now refused (HTTP ${status}).` }
          : { state: 'FAILED', detail: `Segment refused the token (HTTP ${status}): it is wrong, revoked, or lacks permission.` },
        at,
      };
    } else {
      this.tokenCheck = { state: { state: 'FAILED', detail: r.error ? `Could not reach the Public API: ${r.error.message}` : `The Public API answered HTTP ${status}.` }, at };
    }
  }
}

export function overallState(caps: Record<Capability, CapabilityStatus>): ConnectionState {
  const states = Object.values(caps).map((c) => c.state);
  if (states.includes('EXPIRED')) return 'EXPIRED';
  if (states.includes('FAILED')) return 'FAILED';
  if (states.every((s) => s === 'REQUIRES_PARAMETERS')) return 'REQUIRES_PARAMETERS';
  return 'ACTIVE';
}

function instructionFor(state: ConnectionState, caps: Record<Capability, CapabilityStatus>): string | undefined {
  const missing = Object.values(caps).flatMap((c) => c.missing ?? []);
  switch (state) {
    case 'REQUIRES_PARAMETERS':
      return 'No Segment credentials are configured. The operator sets SEGMENT_WRITE_KEY (tracking) and/or SEGMENT_PUBLIC_API_TOKEN (workspace management), and SEGMENT_REGION=eu for EU workspaces, then restarts segment-router.';
    case 'FAILED':
    case 'EXPIRED':
      return 'A credential was refused (see capabilities). The operator replaces it and restarts segment-router.';
    default:
      return missing.length ? `Ready for what is configured. To also enable the rest, the operator sets ${missing.join(' and ')}.` : undefined;
  }
}
