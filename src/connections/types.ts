import type { Region } from '../config/runtime.js';
import type { Capability, CapabilityStatus, ConnectionState, Credentials } from '../registry/types.js';

// The state vocabulary is part of the tool contract (a tool needs a capability in a state): registry/.
export type { CapabilityState, CapabilityStatus, ConnectionState } from '../registry/types.js';

export type Workspace = { id: string; slug: string; name: string };

export interface ConnectionStatus {
  toolkit: 'segment';
  connection: string;
  status: ConnectionState;
  /** Where the credentials come from. */
  source: 'env' | 'store' | 'none';
  region: Region;
  capabilities: Record<Capability, CapabilityStatus>;
  workspace?: Workspace;
  last_verified_at?: string;
  /** What to do next, when something must be done. */
  instruction?: string;
  /** The connect page, while a connect link is open (INITIATED). */
  redirect_url?: string;
  expires_at?: string;
  /** Something the operator should know that is not a state (a store moved aside, shadowed credentials). */
  notice?: string;
}

export type Readiness = { ready: true } | { ready: false; status: ConnectionStatus; capability: CapabilityStatus };

/** What `connect` answers: the status (INITIATED with redirect_url) or why no link was opened. */
export type ConnectOutcome =
  | { ok: true; status: ConnectionStatus; elicitationId: string; url: string }
  | { ok: false; status: ConnectionStatus; message: string; hint: string };

/** New credentials for a connection, from the connect page or `connections add`; an absent secret keeps the stored one. */
export interface SubmitInput {
  writeKey?: string;
  token?: string;
  region: Region;
}

/** What storing new credentials answers: the new status, or why nothing was saved (free of secrets). */
export type SubmitOutcome = { ok: true; status: ConnectionStatus } | { ok: false; error: string };

/** An open connect link: the connection is INITIATED until it is used or expires. */
export interface OpenLink {
  id: string;
  url: string;
  expires_at: string;
}

export type DisconnectOutcome =
  | { ok: true; removed: string; status: ConnectionStatus }
  | { ok: false; status: ConnectionStatus; message: string; hint: string };

export interface StatusOptions {
  /** Check the credentials against Segment now. */
  verify?: boolean;
  /** Which named connection; the active one when absent. */
  connection?: string;
  /** Report only what is known, without the first check of the process (search must not wait on Segment). */
  cached?: boolean;
}

/** What the meta tools, the CLI and the executor need from connections. */
export interface ConnectionService {
  /** The connection EXECUTE_TOOL uses. */
  readonly active?: string;
  /** Credentials of the active connection for a call. Secrets stay inside the process. */
  credentials(): Promise<Credentials>;
  status(opts?: StatusOptions): Promise<ConnectionStatus>;
  /** Whether a capability of the active connection can be used now; never touches the network. */
  readiness(capability: Capability): Promise<Readiness>;
  /** Called when Segment refuses a credential (401/403), so status reports it. */
  reportAuthFailure(capability: Capability, status: number): Promise<void>;
  /** Called when a call with this capability succeeded: for the Public API that proves the token (a later 401 is then EXPIRED). */
  reportSuccess?(capability: Capability): void;
  /** Every secret this service knows so far, so the redactor can mask them. */
  secrets(): string[];
  /** Opens a connect page for a connection (absent on services that cannot store, such as test fakes). */
  connect?(opts: { connection?: string; onComplete?: () => void }): Promise<ConnectOutcome>;
  /** Withdraws an open connect link (the user declined it). */
  cancelConnect?(connection?: string): void;
  /** Waits (bounded) until the open connect link is completed, withdrawn or expires; then the new status. */
  waitForConnect?(opts: { connection?: string; timeoutMs: number; signal?: AbortSignal }): Promise<{ outcome: string; status: ConnectionStatus }>;
  /** Removes a stored connection (local state only). */
  disconnect?(connection?: string): Promise<DisconnectOutcome>;
  /** Whether something is stored under that name (no network). */
  isStored?(connection?: string): boolean;
  close?(): Promise<void>;
}
