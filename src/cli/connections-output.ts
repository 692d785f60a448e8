import type { ConnectionStatus } from '../connections/types.js';

/** A connection status for people: a header line, one line per capability, then what to do. */
export function renderStatus(s: ConnectionStatus, masked: { writeKey?: string; token?: string } = {}): string {
  const ws = s.workspace ? `  workspace "${s.workspace.name}" (${s.workspace.slug}, ${s.workspace.id})` : '';
  const lines = [`${s.connection}: ${s.status}  [source: ${s.source}, region: ${s.region}]${ws}`];
  const t = s.capabilities.tracking;
  const p = s.capabilities.public_api;
  lines.push(`  tracking    ${t.state.padEnd(20)}${masked.writeKey ? `write key ${masked.writeKey}` : ''}${t.source_name ? `, source "${t.source_name}"` : ''}`);
  if (t.state !== 'ACTIVE') lines.push(`              ${t.detail}`);
  lines.push(`  public_api  ${p.state.padEnd(20)}${masked.token ? `token ${masked.token}` : ''}`);
  if (p.state !== 'ACTIVE') lines.push(`              ${p.detail}`);
  if (s.last_verified_at) lines.push(`  last verified ${s.last_verified_at}`);
  if (s.notice) lines.push(`  note: ${s.notice}`);
  return lines.join('\n');
}
