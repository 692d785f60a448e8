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
}

const ENV_NAMES: Record<Capability, string> = { tracking: 'SEGMENT_WRITE_KEY', public_api: 'SEGMENT_PUBLIC_API_TOKEN' };

export function buildStatus(input: StatusInput): ConnectionStatus {
  const capabilities: Record<Capability, CapabilityStatus> = {
    tracking: capability('tracking', input.secrets.writeKey, input.checks.write_key, input.problem),
    public_api: capability('public_api', input.secrets.token, input.checks.token, input.problem),
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

function capability(cap: Capability, secret: string | undefined, check: CheckRecord | undefined, problem: string | undefined): CapabilityStatus {
  const what = cap === 'tracking' ? 'write key' : 'Public API token';
  if (problem) return { state: 'FAILED', detail: `The stored credentials cannot be used: ${problem}` };
  if (!secret) {
    return {
      state: 'REQUIRES_PARAMETERS',
      detail: cap === 'tracking' ? 'No write key: tracking calls (identify, track, page, ...) cannot be sent.' : 'No Public API token: workspace tools (sources, destinations, ...) cannot run.',
      missing: [cap === 'tracking' ? 'writeKey' : 'token'],
    };
  }
  if (!check) return { state: 'UNVERIFIED', detail: `A ${what} is set; it has not been checked yet (MANAGE_CONNECTIONS action "verify" checks it).` };
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
  const env = input.source === 'env';
  const name = input.name === 'default' ? '' : `, connection: "${input.name}"`;
  const connect = `call MANAGE_CONNECTIONS with action "connect"${name} and give the user the returned redirect_url to open in a browser on this computer; they paste the credentials there, never into the chat`;
  const entries = Object.entries(caps) as [Capability, CapabilityStatus][];
  const bad = entries.filter(([, c]) => c.state === 'FAILED' || c.state === 'EXPIRED');
  const missing = entries.filter(([, c]) => c.state === 'REQUIRES_PARAMETERS');
  switch (state) {
    case 'INITIATED':
      return `A connect page is open until ${input.connect!.expires_at}. Ask the user to open redirect_url in a browser on this computer and submit the form; then call MANAGE_CONNECTIONS again and confirm ACTIVE before running tools.`;
    case 'REQUIRES_PARAMETERS':
      return `No Segment credentials are configured${name ? ` for "${input.name}"` : ''}. To connect, ${connect}. (An operator can also run "segment-router connections add".)`;
    case 'FAILED':
    case 'EXPIRED': {
      const which = bad.map(([k]) => (k === 'tracking' ? 'the write key' : 'the Public API token')).join(' and ');
      if (input.problem) return `The stored credentials cannot be decrypted (${input.problem}). Restore the key, or ${connect} to store them again.`;
      if (bad.every(([k]) => checkOf(input.checks, k)?.unreachable)) return 'Segment could not be reached to check the credentials. Call MANAGE_CONNECTIONS with action "verify" again shortly.';
      return env
        ? `Segment refused ${which} (see capabilities). The operator replaces ${bad.map(([k]) => ENV_NAMES[k]).join(' and ')} in the MCP client's configuration and restarts segment-router.`
        : `Segment refused ${which} (see capabilities). To replace ${bad.length > 1 ? 'them' : 'it'}, ${connect}. Then confirm ACTIVE.`;
    }
    default: {
      const notes: string[] = [];
      if (caps.tracking.state === 'UNVERIFIED' && caps.public_api.state !== 'UNVERIFIED') {
        notes.push('The write key could not be verified (see capabilities.tracking): tracking calls will be sent, but Segment accepts unknown keys silently; check the source\'s Debugger in Segment after a first event, or connect a token that can read sources to verify it.');
      }
      if (missing.length) {
        const what = missing.map(([k]) => (k === 'tracking' ? 'tracking (a write key)' : 'workspace tools (a Public API token)')).join(' and ');
        notes.push(
          env
            ? `Ready for what is configured. To also enable ${what}, the operator sets ${missing.map(([k]) => ENV_NAMES[k]).join(' and ')}.`
            : `Ready for what is configured. To also enable ${what}, ${connect}.`,
        );
      }
      return notes.length ? notes.join(' ') : undefined;
    }
  }
}
