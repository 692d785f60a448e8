import { hintsFor, type Surface } from '../hints/hints.js';
import type { Capability } from '../registry/types.js';
import type { Checks, CheckRecord } from './store.js';
import type { Resolved } from './sources.js';
import type { CapabilityStatus, ConnectionState, ConnectionStatus } from './types.js';

/**
 * Turns what is known about one connection (its secrets, the last checks, an open connect link)
 * into the status agents read. Pure: no I/O, so every transition is easy to test.
 */

/** A resolved connection, plus the connect link when one is open. */
export interface StatusInput extends Omit<Resolved, 'updatedAt'> {
  connect?: { url: string; expires_at: string };
  /** Whose words the instruction is in (agents by default). */
  surface?: Surface;
}

export function buildStatus(input: StatusInput): ConnectionStatus {
  const capabilities: Record<Capability, CapabilityStatus> = {
    tracking: capabilityStatus('tracking', input),
    public_api: capabilityStatus('public_api', input),
  };
  const status = overallState(capabilities, !!input.connect);
  const token = input.checks.token;
  const times = [input.checks.token?.at, input.checks.write_key?.at].filter((t): t is string => !!t).sort();
  const instruction = instructionFor(status, capabilities, input);
  return {
    toolkit: 'segment',
    connection: input.name,
    status,
    source: input.source,
    region: input.region,
    capabilities,
    ...(token?.workspace && input.secrets.token ? { workspace: token.workspace } : {}),
    ...(times.length ? { last_verified_at: times[times.length - 1] } : {}),
    ...(instruction ? { instruction } : {}),
    ...(input.connect ? { redirect_url: input.connect.url, expires_at: input.connect.expires_at } : {}),
    ...(input.notice ? { notice: input.notice } : {}),
  };
}

export const checkOf = (checks: Checks, cap: Capability) => (cap === 'tracking' ? checks.write_key : checks.token);

/** One capability of a connection: what a status lists, and all readiness needs to know. */
export function capabilityStatus(cap: Capability, input: Pick<StatusInput, 'secrets' | 'checks' | 'problem' | 'surface'>): CapabilityStatus {
  const { problem, surface } = input;
  const secret = cap === 'tracking' ? input.secrets.writeKey : input.secrets.token;
  const check = checkOf(input.checks, cap);
  const what = cap === 'tracking' ? 'write key' : 'Public API token';
  if (problem) return { state: 'FAILED', detail: `The stored credentials cannot be used: ${problem}` };
  if (!secret) {
    return {
      state: 'REQUIRES_PARAMETERS',
      detail: cap === 'tracking' ? 'No write key: tracking calls (identify, track, page, ...) cannot be sent.' : 'No Public API token: workspace tools (sources, destinations, ...) cannot run.',
      missing: [cap === 'tracking' ? 'writeKey' : 'token'],
    };
  }
  if (!check) return { state: 'UNVERIFIED', detail: `A ${what} is set; it has not been checked yet (${hintsFor(surface).verify()}).` };
  return {
    state: check.state,
    detail: check.detail,
    ...(check.source_name ? { source_name: check.source_name } : {}),
    last_verified_at: check.at,
  };
}

/**
 * The overall state. Order matters: an open connect link wins (the person is about to change things),
 * then a refusal (EXPIRED before FAILED: it says more), then "nothing configured". A write key that
 * only could not be checked leaves the connection ACTIVE: the capability itself says UNVERIFIED.
 */
export function overallState(caps: Record<Capability, CapabilityStatus>, connectOpen = false): ConnectionState {
  if (connectOpen) return 'INITIATED';
  const states = Object.values(caps).map((c) => c.state);
  if (states.includes('EXPIRED')) return 'EXPIRED';
  if (states.includes('FAILED')) return 'FAILED';
  if (states.every((s) => s === 'REQUIRES_PARAMETERS')) return 'REQUIRES_PARAMETERS';
  return 'ACTIVE';
}

/** A capability may be used when it is not known to be missing or refused. */
export function isUsable(cap: CapabilityStatus, check?: CheckRecord): boolean {
  if (cap.state === 'ACTIVE' || cap.state === 'UNVERIFIED') return true;
  // Segment was unreachable during the check: the credential was not refused, the call may still work.
  return cap.state === 'FAILED' && !!check?.unreachable;
}

function instructionFor(state: ConnectionState, caps: Record<Capability, CapabilityStatus>, input: StatusInput): string | undefined {
  const unreachable = (Object.keys(caps) as Capability[]).filter((k) => checkOf(input.checks, k)?.unreachable);
  return hintsFor(input.surface).connection({
    name: input.name,
    source: input.source,
    state,
    capabilities: caps,
    unreachable,
    ...(input.problem ? { problem: input.problem } : {}),
    ...(input.connect ? { connectExpiresAt: input.connect.expires_at } : {}),
  });
}
