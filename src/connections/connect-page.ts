import type { Region } from '../config/runtime.js';
import type { Capability } from '../registry/types.js';
import type { ConnectionStatus } from './types.js';

/**
 * The HTML of the connect page: one small form, no scripts, no external resources (the page is
 * served under a strict Content-Security-Policy; its one stylesheet carries the response's nonce).
 * Secrets are never written back into a page, not even after a failed attempt.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2433}
main{max-width:30rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:10px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 .25rem}
p.lead{margin:0 0 1.5rem;color:#555}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
small{display:block;font-weight:400;color:#666}
input,select{width:100%;padding:.55rem .65rem;font:inherit;border:1px solid #c6cad3;border-radius:6px}
input:focus,select:focus{outline:2px solid #52bd94;border-color:#52bd94}
button{margin-top:1.5rem;width:100%;padding:.7rem;font:inherit;font-weight:600;color:#fff;background:#2d7d5a;border:0;border-radius:6px;cursor:pointer}
.error{padding:.75rem 1rem;border-radius:6px;background:#fdecea;color:#8a1c12;margin-bottom:1rem}
.ok{padding:.75rem 1rem;border-radius:6px;background:#e8f6ef;color:#1d5a3c}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:1.25rem 0 0}
dt{color:#666}dd{margin:0}
footer{margin-top:1.5rem;font-size:.85rem;color:#777}
`;

function layout(title: string, nonce: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><title>${esc(title)}</title><style nonce="${nonce}">${CSS}</style></head>
<body><main>${body}</main></body></html>`;
}

export interface FormView {
  connection: string;
  region: Region;
  csrf: string;
  expiresAt: string;
  /** What went wrong with the last attempt (already free of secrets). */
  error?: string;
  /** Which secrets are stored already: an empty field keeps them. */
  stored: { writeKey: boolean; token: boolean };
}

export function formPage(v: FormView, nonce: string): string {
  const keep = (has: boolean) => (has ? ' Leave empty to keep the one stored.' : '');
  const option = (r: Region, label: string) => `<option value="${r}"${v.region === r ? ' selected' : ''}>${label}</option>`;
  return layout(
    'Connect Segment',
    nonce,
    `<h1>Connect Segment</h1>
<p class="lead">Connection <strong>${esc(v.connection)}</strong>. What you enter here goes straight to segment-router on this computer and is checked with Segment; it is never shown to the AI assistant.</p>
${v.error ? `<div class="error" role="alert">${esc(v.error)}</div>` : ''}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<label for="writeKey">Write key <small>A source's write key (Segment: Connections, Sources, the source, Settings, API Keys), for tracking calls.${keep(v.stored.writeKey)}</small></label>
<input id="writeKey" name="writeKey" type="password" spellcheck="false" autocomplete="off">
<label for="token">Public API token <small>For workspace tools (Settings, Workspace settings, Access Management, Tokens). Team or Business plans.${keep(v.stored.token)}</small></label>
<input id="token" name="token" type="password" spellcheck="false" autocomplete="off">
<label for="region">Region <small>Where the workspace lives. An EU workspace on the US region loses its events.</small></label>
<select id="region" name="region">${option('us', 'US (api.segment.io)')}${option('eu', 'EU (eu1)')}</select>
<button type="submit">Verify and save</button>
</form>
<footer>This link works once and expires at ${esc(v.expiresAt)}.</footer>`,
  );
}

export interface ResultView {
  connection: string;
  status: string;
  region: Region;
  workspace?: string;
  tracking: string;
  publicApi: string;
}

/** What the page shows of a connection once its credentials are saved. */
export function resultView(s: ConnectionStatus): ResultView {
  return {
    connection: s.connection,
    status: s.status,
    region: s.region,
    ...(s.workspace ? { workspace: `${s.workspace.name} (${s.workspace.slug})` } : {}),
    tracking: capabilityLine(s, 'tracking'),
    publicApi: capabilityLine(s, 'public_api'),
  };
}

function capabilityLine(s: ConnectionStatus, cap: Capability): string {
  const c = s.capabilities[cap];
  if (c.state === 'ACTIVE' && c.source_name) return `ACTIVE (source "${c.source_name}")`;
  if (c.state === 'REQUIRES_PARAMETERS') return 'not configured';
  return c.state === 'UNVERIFIED' ? 'UNVERIFIED (saved, but it could not be checked: see the status in your assistant)' : c.state;
}

export function resultPage(v: ResultView, nonce: string): string {
  return layout(
    'Segment connected',
    nonce,
    `<h1>Segment connected</h1>
<div class="ok" role="status">Saved and checked. Status: <strong id="status">${esc(v.status)}</strong></div>
<dl>
<dt>Connection</dt><dd>${esc(v.connection)}</dd>
<dt>Region</dt><dd>${esc(v.region.toUpperCase())}</dd>
${v.workspace ? `<dt>Workspace</dt><dd>${esc(v.workspace)}</dd>` : ''}
<dt>Tracking</dt><dd>${esc(v.tracking)}</dd>
<dt>Public API</dt><dd>${esc(v.publicApi)}</dd>
</dl>
<footer>You can close this tab and go back to your assistant.</footer>`,
  );
}

export function refusalPage(title: string, text: string, nonce: string): string {
  return layout(title, nonce, `<h1>${esc(title)}</h1><div class="error" role="alert">${esc(text)}</div><footer>Ask your assistant to connect Segment again for a new link, or store the credentials from a terminal: segment-router connections add.</footer>`);
}
