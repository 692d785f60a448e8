import type { ConnectionStatus } from '../connections/types.js';

/**
 * The short form of a connection status that search results carry: the same state and the same
 * instruction as MANAGE_CONNECTIONS, without the details (those are one call away).
 */
export function connectionSummary(s: ConnectionStatus) {
  return {
    toolkit: s.toolkit,
    connection: s.connection,
    status: s.status,
    capabilities: Object.fromEntries(Object.entries(s.capabilities).map(([k, v]) => [k, v.state])),
    ...(s.instruction ? { instruction: s.instruction } : {}),
    ...(s.redirect_url ? { redirect_url: s.redirect_url } : {}),
  };
}
