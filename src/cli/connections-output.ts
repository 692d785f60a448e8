import type { ConnectionStatus } from '../connections/types.js';
import { renderTable, type Column } from './table.js';

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

type Masked = { writeKey?: string; token?: string };
type Listed = ConnectionStatus & { credentials: Masked };

const LIST_COLUMNS: Column<Listed>[] = [
  { header: 'NAME', value: (s) => s.connection },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'FROM', value: (s) => s.source },
  { header: 'REGION', value: (s) => s.region },
  { header: 'TRACKING', value: (s) => `${s.capabilities.tracking.state}${s.credentials.writeKey ? ` ${s.credentials.writeKey}` : ''}` },
  { header: 'PUBLIC API', value: (s) => `${s.capabilities.public_api.state}${s.credentials.token ? ` ${s.credentials.token}` : ''}` },
  { header: 'WORKSPACE', value: (s) => (s.workspace ? `${s.workspace.name} (${s.workspace.slug})` : '') },
];

/** Every connection on one line each, then what to do for those that need something. */
export function renderList(list: Listed[], active: string, width?: number): string {
  const rows = list.map((s) => ({ ...s, connection: s.connection === active ? `${s.connection} *` : s.connection }));
  const lines = [renderTable(LIST_COLUMNS, rows, { width })];
  // Secrets from the environment are checked by verify, never kept: every list shows them unverified.
  const unchecked = (s: Listed) => s.source === 'env' && (s.capabilities.tracking.state === 'UNVERIFIED' || s.capabilities.public_api.state === 'UNVERIFIED');
  const todo = list.filter((s) => s.instruction || s.notice || unchecked(s));
  if (todo.length) lines.push('');
  for (const s of todo) {
    const env = unchecked(s) ? 'From the environment: list does not check it, and no check of it is kept; "segment-router connections verify" checks it now.' : undefined;
    lines.push(`${s.connection}: ${[s.instruction, s.notice, env].filter(Boolean).join(' ')}`);
  }
  lines.push('', `* the connection calls use (${active}); "segment-router connections verify --name NAME" checks one against Segment.`);
  return lines.join('\n');
}
