import type { Region } from '../config/runtime.js';
import type { Capability, Credentials } from '../registry/types.js';

/** Overall state of the Segment connection, as agents are taught to read it. */
export type ConnectionState = 'ACTIVE' | 'REQUIRES_PARAMETERS' | 'FAILED' | 'EXPIRED' | 'INITIATED';

/** State of one capability. UNVERIFIED: present but Segment offers no way to check it from here. */
export type CapabilityState = 'ACTIVE' | 'UNVERIFIED' | 'REQUIRES_PARAMETERS' | 'FAILED' | 'EXPIRED';

export interface CapabilityStatus {
  state: CapabilityState;
  detail: string;
  /** What must be provided, when state is REQUIRES_PARAMETERS. */
  missing?: string[];
  /** The source a verified write key belongs to. */
  source_name?: string;
}

export interface ConnectionStatus {
  toolkit: 'segment';
  connection: string;
  status: ConnectionState;
  /** Where the credentials come from. */
  source: 'env' | 'store' | 'none';
  region: Region;
  capabilities: Record<Capability, CapabilityStatus>;
  workspace?: { id: string; slug: string; name: string };
  last_verified_at?: string;
  /** What to do next, when something must be done. */
  instruction?: string;
  redirect_url?: string;
}

export type Readiness = { ready: true } | { ready: false; status: ConnectionStatus; capability: CapabilityStatus };

/** What the meta tools and the executor need from connections; the store-backed service implements it too. */
export interface ConnectionService {
  /** Credentials for a call. Secrets stay inside the process. */
  credentials(): Promise<Credentials>;
  status(opts?: { verify?: boolean }): Promise<ConnectionStatus>;
  /** Whether a capability can be used now; cheap (no network) unless a check is due. */
  readiness(capability: Capability): Promise<Readiness>;
  /** Called when Segment refuses a credential (401/403), so status reports it. */
  reportAuthFailure(capability: Capability, status: number): void;
  /** Every secret this service knows, so the redactor can mask them. */
  secrets(): string[];
}
