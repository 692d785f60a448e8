import { baseUrl, type Region, type RuntimeConfig } from '../config/runtime.js';
import { Redactor } from '../security/redact.js';
import type { HttpClient } from '../http/client.js';
import { sendWithRetries, type RetryResult } from '../http/retry.js';
import { operationRequest } from '../segment/public-api/request.js';
import type { CheckRecord } from './store.js';

/**
 * Checks credentials against Segment for real. The token: GET / (getWorkspace), the only call that
 * proves a token (there is no "current user" operation). The write key: the Tracking API answers 200
 * to any key, so it is looked up in the `writeKeys` of the workspace's sources, which needs a token
 * that can read them; without one the key is UNVERIFIED, never ACTIVE on faith.
 */

export interface VerifyDeps {
  http: HttpClient;
  config: RuntimeConfig;
}

type TokenCheck = CheckRecord;

/**
 * Names Segment's answers give (the workspace's, a source's) are kept and shown wherever the connection
 * is (status, the connect page, the store): a host that echoes the secrets it was sent into them must not
 * get them shown. Masked here, once, with the secrets of this check.
 */
function echoMasker(...secrets: string[]): (v: unknown) => string {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return (v) => r.upstream(String(v ?? ''));
}

/** Pages of sources read at most while looking for a write key (1,000 per page). */
const MAX_SOURCE_PAGES = 20;
const PAGE_SIZE = 1000;

/** One read of the Public API, built as the tools build theirs. */
async function get(deps: VerifyDeps, operationId: string, args: Record<string, unknown>, token: string, region: Region): Promise<RetryResult> {
  const { config } = deps;
  // Both operations are GETs: there is no body to send.
  const { method, url, headers } = operationRequest(operationId, args, { config, credentials: { token, region } });
  return sendWithRetries(
    deps.http,
    { method, url, headers },
    // A check should answer in seconds, not ride out a long outage.
    { settings: { ...config.retry, maxRetries: Math.min(2, config.retry.maxRetries) }, timeoutMs: config.requestTimeoutMs, idempotent: true },
  );
}

function unreachable(r: RetryResult): string {
  return r.error ? `Could not reach the Public API (${r.error.message})` : `The Public API answered HTTP ${r.response?.status}`;
}

/** Whether a token's last check shows it worked at some point (so a 401 now means it expired). */
export function hasWorked(check: TokenCheck | undefined): boolean {
  return !!check?.worked || check?.state === 'ACTIVE' || check?.state === 'EXPIRED';
}

/**
 * The one 401 rule, for checks and for calls alike: a token that worked before and is now refused
 * was revoked or expired (EXPIRED); one that never worked is wrong (FAILED). `region`, when the
 * refusal came from a check, adds the other likely cause: a token of the other region's workspace.
 */
export function tokenRefused(worked: boolean, at: string, region?: Region): TokenCheck {
  if (worked) return { state: 'EXPIRED', detail: 'The token worked before and Segment now refuses it (HTTP 401): it was revoked or expired.', at, worked: true };
  const other = region === undefined ? '' : region === 'us' ? ', or it belongs to an EU workspace (choose region eu)' : ', or it belongs to a US workspace (choose region us)';
  return { state: 'FAILED', detail: `Segment refused the token (HTTP 401): it is wrong or revoked${other}.`, at };
}

export async function checkToken(deps: VerifyDeps, token: string, region: Region, previous?: TokenCheck): Promise<TokenCheck> {
  const at = new Date().toISOString();
  const worked = hasWorked(previous);
  const r = await get(deps, 'getWorkspace', {}, token, region);
  const status = r.response?.status;
  if (status === 200) {
    let workspace: CheckRecord['workspace'];
    try {
      const w = JSON.parse(r.response!.text)?.data?.workspace;
      const own = echoMasker(token);
      if (w?.id) workspace = { id: own(w.id), slug: own(w.slug), name: own(w.name) };
    } catch {
      /* not JSON: said below */
    }
    // A 200 that is not the Public API's answer (a proxy's page, a host that is not Segment) proves nothing.
    if (!workspace) return { state: 'FAILED', detail: `${baseUrl(deps.config, 'public', region)} answered HTTP 200 without a workspace, which is not how the Public API answers: check SEGMENT_PUBLIC_API_URL and the region; the token could not be checked.`, at, ...(worked ? { worked } : {}) };
    return { state: 'ACTIVE', detail: `The token was accepted by the Public API (${region.toUpperCase()} region).`, at, worked: true, workspace };
  }
  if (status === 401) return tokenRefused(worked, at, region);
  if (status === 403) {
    return { state: 'FAILED', detail: 'Segment refused the token (HTTP 403): it lacks permission to read the workspace.', at, ...(worked ? { worked } : {}) };
  }
  return { state: 'FAILED', detail: `${unreachable(r)}; the token could not be checked. Try verify again later.`, at, unreachable: true, ...(worked ? { worked } : {}) };
}

export async function checkWriteKey(deps: VerifyDeps, writeKey: string, region: Region, token: string | undefined, tokenCheck: TokenCheck | undefined): Promise<CheckRecord> {
  const at = new Date().toISOString();
  const unverified = (why: string): CheckRecord => ({
    state: 'UNVERIFIED',
    detail: `The write key is set but could not be checked: ${why}. The Tracking API accepts any key with HTTP 200, and events sent with a wrong key are dropped silently.`,
    at,
  });
  if (!token) return unverified('no Public API token is configured to look it up in the workspace\'s sources');
  if (tokenCheck?.state !== 'ACTIVE') return unverified(tokenCheck?.unreachable ? 'the Public API could not be reached, so the workspace\'s sources could not be read' : 'the Public API token did not work, so the workspace\'s sources could not be read');

  let cursor: string | undefined;
  let sawWriteKeys = false;
  let sourcesSeen = 0;
  for (let page = 0; page < MAX_SOURCE_PAGES; page++) {
    const r = await get(deps, 'listSources', { pagination: { count: PAGE_SIZE, ...(cursor ? { cursor } : {}) } }, token, region);
    const status = r.response?.status;
    if (status === 403) return unverified('the token cannot read sources (it needs Source Admin or Workspace Owner access)');
    if (status !== 200) return unverified(status === 401 ? 'Segment refused the token while listing sources (HTTP 401)' : unreachable(r));
    let data: { sources?: { name?: unknown; writeKeys?: unknown }[]; pagination?: { next?: unknown } } | undefined;
    try {
      data = JSON.parse(r.response!.text)?.data;
    } catch {
      return unverified('the list of sources could not be read');
    }
    for (const source of data?.sources ?? []) {
      sourcesSeen++;
      if (!Array.isArray(source.writeKeys)) continue;
      sawWriteKeys = true;
      if (source.writeKeys.includes(writeKey)) {
        const name = echoMasker(token, writeKey)(source.name ?? 'unnamed source');
        return { state: 'ACTIVE', detail: `The write key belongs to the source "${name}" of the token's workspace.`, at, source_name: name };
      }
    }
    const next = data?.pagination?.next;
    if (typeof next !== 'string' || !next) {
      if (!sawWriteKeys) return unverified(sourcesSeen ? 'the token does not see the sources\' write keys (it needs Source Admin access)' : 'the workspace has no sources');
      const ws = tokenCheck.workspace ? ` "${tokenCheck.workspace.name}"` : '';
      return { state: 'FAILED', detail: `No source of the workspace${ws} has this write key: it is wrong, was removed, or belongs to another workspace.`, at };
    }
    cursor = next;
  }
  return unverified(`the workspace has more than ${MAX_SOURCE_PAGES * PAGE_SIZE} sources and the key was not among the first`);
}
