import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS, type Region, type RuntimeConfig } from '../config/runtime.js';
import type { StoreConnectionService } from '../connections/service.js';
import { keyFileDamaged, keyFileHoldsKey } from '../connections/sealer.js';
import { KEY_FILE, setAsideStores, STORE_FILE } from '../connections/store.js';
import type { ConnectionStatus } from '../connections/types.js';
import { CLIENT_IDS, CLIENTS, configPath, isRouterEntry, routerScript, type ClientId, type PathContext, type Scope, type ServerEntry } from '../setup/clients.js';

/**
 * What `segment-router doctor` checks, one finding per line: ok, warning or problem, and what to do.
 * Each check is a function of what it reads, so the tests give it a temporary home and a local fake
 * Segment; nothing here reaches the network except the connection checks, through the service.
 */
export type Level = 'ok' | 'warning' | 'problem';

export interface Finding {
  check: string;
  level: Level;
  message: string;
  /** What to do, when something should be done. */
  fix?: string;
}

const MIN_NODE = '20.18.1';

function older(version: string, than: string): boolean {
  const a = version.replace(/^v/, '').split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

export function checkNode(version: string = process.versions.node, execPath: string = process.execPath): Finding {
  if (older(version, MIN_NODE)) {
    return { check: 'node', level: 'problem', message: `Node ${version} at ${execPath} is older than ${MIN_NODE}.`, fix: 'Install Node 20.18.1 or newer (e.g. "nvm install 22"), then run the router with it.' };
  }
  return { check: 'node', level: 'ok', message: `Node ${version} (${execPath}); ${MIN_NODE} or newer is needed.` };
}

const modeOf = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number) => m.toString(8).padStart(3, '0');

export function checkHome(home: string): Finding {
  if (!existsSync(home)) return { check: 'config home', level: 'ok', message: `${home} does not exist yet; "segment-router connections add" creates it (private to you).` };
  if (!statSync(home).isDirectory()) return { check: 'config home', level: 'problem', message: `${home} is not a folder.`, fix: 'Move that file away, or point SEGMENT_ROUTER_HOME at a folder.' };
  try {
    accessSync(home, constants.W_OK | constants.X_OK);
  } catch {
    return { check: 'config home', level: 'problem', message: `${home} is not writable by this user.`, fix: `Fix its owner or permissions (chown, then chmod 700 "${home}").` };
  }
  const mode = modeOf(home);
  if (process.platform !== 'win32' && mode & 0o077) {
    return { check: 'config home', level: 'warning', message: `${home} can be read by other users (mode ${octal(mode)}).`, fix: `chmod 700 "${home}"` };
  }
  return { check: 'config home', level: 'ok', message: `${home} (private, mode ${octal(mode)}).` };
}

export function checkKeyFile(home: string, env: NodeJS.ProcessEnv): Finding {
  const key = join(home, KEY_FILE);
  const store = existsSync(join(home, STORE_FILE));
  if (env.SEGMENT_ROUTER_KEY) return { check: 'key file', level: 'ok', message: 'The store key comes from SEGMENT_ROUTER_KEY (a passphrase); no key file is used.' };
  if (!existsSync(key)) {
    return store
      ? { check: 'key file', level: 'problem', message: `${STORE_FILE} exists but ${key} is missing: the stored connections cannot be decrypted.`, fix: 'Restore store.key from a backup, or add the connections again with "segment-router connections add".' }
      : { check: 'key file', level: 'ok', message: 'No key file yet (it is created with the first stored connection).' };
  }
  let holdsKey = false;
  try {
    holdsKey = keyFileHoldsKey(key);
  } catch {
    /* unreadable: said below as damaged */
  }
  // Found by a review: a key file overwritten with garbage read "ok" (only its mode was looked at).
  if (!holdsKey) return { check: 'key file', level: 'problem', message: `${keyFileDamaged(key)}${store ? ' The stored connections cannot be decrypted.' : ''}`, fix: 'Restore store.key from a backup; or move it away and add the connections again with "segment-router connections add --new-key".' };
  const mode = modeOf(key);
  if (process.platform !== 'win32' && mode & 0o077) return { check: 'key file', level: 'warning', message: `${key} can be read by other users (mode ${octal(mode)}).`, fix: `chmod 600 "${key}"` };
  return { check: 'key file', level: 'ok', message: `${key} (private, mode ${octal(mode)}).` };
}

/** A store found damaged earlier and set aside: its connections are not in use, whatever the store holds now. */
export function checkSetAside(home: string): Finding[] {
  const aside = setAsideStores(home);
  if (!aside.length) return [];
  return [{ check: 'connections', level: 'warning', message: `A damaged connections file was set aside (${aside.join(', ')}): the connections it held are not in use.`, fix: 'Add those connections again with "segment-router connections add" (or repair the JSON by hand and move it back to connections.json); then delete the set-aside file.' }];
}

export interface ConnectionCheckOptions {
  /** Skip checks against Segment (the statuses are what is known). */
  offline?: boolean;
}

const REGION_NAME: Record<Region, string> = { us: 'US', eu: 'EU' };

/** One line per connection, verified against Segment unless offline, and the region against the workspace. */
export async function checkConnections(svc: StoreConnectionService, config: RuntimeConfig, opts: ConnectionCheckOptions = {}): Promise<Finding[]> {
  const listed = svc.listOffline();
  if (!listed.length) {
    return [{ check: 'connection', level: 'warning', message: 'No Segment connection: nothing stored and SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN are not set.', fix: 'Run "segment-router connections add" (or "segment-router sandbox" to try without an account).' }];
  }
  const findings: Finding[] = [];
  // Verified against an overridden host (a sandbox, a proxy) says nothing of Segment itself.
  const overridden = (
    [
      ['SEGMENT_TRACKING_API_URL', config.trackingApiUrl],
      ['SEGMENT_PUBLIC_API_URL', config.publicApiUrl],
    ] as const
  ).filter(([, url]) => url);
  if (overridden.length) {
    findings.push({
      check: 'api hosts',
      level: 'warning',
      message: `Requests go to ${overridden.map(([name, url]) => `${url} (${name})`).join(' and ')}, not to Segment: the checks below are against that host.`,
      fix: `Unset ${overridden.map(([name]) => name).join(' and ')} to check against Segment. MCP clients configured by "segment-router setup" do not get these variables: they talk to Segment with the stored connection.`,
    });
  }
  const verifiedWith = overridden.length ? `verified with ${overridden.map(([, url]) => url).join(' and ')}, not Segment` : 'verified with Segment';
  for (const known of listed) {
    const name = known.connection;
    const label = `connection "${name}"`;
    const s = opts.offline ? known : await svc.status({ connection: name, verify: true });
    const where = `${s.source === 'env' ? 'from the environment' : 'stored'}, region ${s.region}`;
    findings.push(connectionFinding(label, where, s, svc.unreachable(name), !!opts.offline, verifiedWith));
    const region = await regionFinding(svc, config, s, opts);
    if (region) findings.push(region);
  }
  return findings;
}

function connectionFinding(label: string, where: string, s: ConnectionStatus, unreachable: string[], offline: boolean, verifiedWith: string): Finding {
  const ws = s.workspace ? `, workspace "${s.workspace.name}" (${s.workspace.slug})` : '';
  const caps = `tracking ${s.capabilities.tracking.state}, public_api ${s.capabilities.public_api.state}`;
  if (offline) {
    return { check: label, level: 'warning', message: `${s.status} as last known (${where}${ws}; ${caps}); not checked against Segment (--offline).`, fix: 'Run doctor without --offline to verify.' };
  }
  if (unreachable.length && (s.status === 'FAILED' || s.status === 'EXPIRED') && [s.capabilities.tracking, s.capabilities.public_api].every((c) => c.state !== 'EXPIRED')) {
    return {
      check: label,
      level: 'warning',
      message: `Not verified: Segment could not be reached from here (${where}). ${s.capabilities.public_api.detail}`,
      fix: 'Check the network (a proxy or firewall?), then run "segment-router doctor" again. Calls may still work once Segment is reachable.',
    };
  }
  if (s.status === 'ACTIVE') {
    const tracking = s.capabilities.tracking;
    const fine = tracking.state !== 'UNVERIFIED';
    return {
      check: label,
      level: fine ? 'ok' : 'warning',
      message: `ACTIVE, ${verifiedWith} (${where}${ws}; ${caps}${tracking.source_name ? `; write key of source "${tracking.source_name}"` : ''}).`,
      ...(s.instruction ? { fix: s.instruction } : {}),
    };
  }
  return { check: label, level: s.status === 'REQUIRES_PARAMETERS' ? 'warning' : 'problem', message: `${s.status} (${where}; ${caps}).`, ...(s.instruction ? { fix: s.instruction } : {}) };
}

/** The region against the workspace: a token refused here but accepted in the other region is in the wrong region. */
async function regionFinding(svc: StoreConnectionService, config: RuntimeConfig, s: ConnectionStatus, opts: ConnectionCheckOptions): Promise<Finding | undefined> {
  const check = `region "${s.connection}"`;
  const token = s.capabilities.public_api;
  if (token.state === 'REQUIRES_PARAMETERS' || opts.offline) return undefined;
  // Another host answered for both regions: whatever it said, Segment's region was not checked.
  if (config.publicApiUrl) return token.state === 'ACTIVE' || token.state === 'FAILED' ? { check, level: 'warning', message: 'Not cross-checked: SEGMENT_PUBLIC_API_URL sets one host for both regions.' } : undefined;
  if (token.state === 'ACTIVE') return { check, level: 'ok', message: `${s.region}: the workspace answered on the ${REGION_NAME[s.region]} Public API.` };
  if (token.state !== 'FAILED' || svc.unreachable(s.connection).includes('public_api')) return undefined;
  const other: Region = s.region === 'us' ? 'eu' : 'us';
  const there = await svc.checkTokenIn(s.connection, other);
  if (there?.state === 'ACTIVE') {
    const fix = s.source === 'env' ? `Set SEGMENT_REGION=${other} where the router runs (the MCP client's configuration).` : `Run "segment-router connections add${s.connection === 'default' ? '' : ` --name ${s.connection}`} --region ${other}" (Enter keeps the stored secrets).`;
    return { check, level: 'problem', message: `The token is refused in region ${s.region} but accepted by the ${REGION_NAME[other]} Public API (${HOSTS[other].publicApi}): the workspace is in ${REGION_NAME[other]}.`, fix };
  }
  return undefined;
}

export interface ClientConfigured {
  id: ClientId;
  client: string;
  scope: Scope;
  path: string;
  name: string;
  entry: ServerEntry;
}

/** Router entries in every client's configuration on this machine (user files, and project files here). */
export function findClientEntries(paths: PathContext): { found: ClientConfigured[]; unreadable: { client: string; path: string; reason: string }[] } {
  const found: ClientConfigured[] = [];
  const unreadable: { client: string; path: string; reason: string }[] = [];
  for (const id of CLIENT_IDS) {
    const spec = CLIENTS[id];
    for (const scope of spec.scopes) {
      const path = configPath(id, scope, paths);
      if (!existsSync(path)) continue;
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(readFileSync(path, 'utf8') || '{}') as Record<string, unknown>;
      } catch (err) {
        unreadable.push({ client: spec.label, path, reason: (err as Error).message.split('\n')[0]! });
        continue;
      }
      const servers = data?.[spec.key];
      if (!servers || typeof servers !== 'object') continue;
      for (const [name, entry] of Object.entries(servers as Record<string, unknown>)) {
        if (isRouterEntry(entry)) found.push({ id, client: spec.label, scope, path, name, entry });
      }
    }
  }
  return { found, unreadable };
}

const SECRET_VARIABLES = ['SEGMENT_WRITE_KEY', 'SEGMENT_PUBLIC_API_TOKEN', 'SEGMENT_ROUTER_KEY'];

export function checkClients(paths: PathContext): Finding[] {
  const { found, unreadable } = findClientEntries(paths);
  const findings: Finding[] = unreadable.map((u) => ({ check: `client ${u.client}`, level: 'warning' as const, message: `${u.path} is not plain JSON (${u.reason}); not checked.`, fix: 'Check the file by hand; "segment-router setup ... --print" shows the entry to add.' }));
  if (!found.length) {
    findings.push({ check: 'clients', level: 'ok', message: `No MCP client here has the router configured yet (looked at ${CLIENT_IDS.join(', ')}).`, fix: 'To add it: segment-router setup claude-desktop --write=ask (or claude-code, cursor, vscode).' });
    return findings;
  }
  for (const c of found) findings.push(...clientFindings(c));
  return findings;
}

/** Every finding of one entry (a secret in the file and a bare node are both said at once), or one ok. */
function clientFindings(c: ClientConfigured): Finding[] {
  const check = `client ${c.client}`;
  const e = c.entry;
  const write = e.args.find((a) => a.startsWith('--write'))?.replace(/^--write=?/, '') || 'deny';
  const where = `"${c.name}" in ${c.path}${c.scope === 'project' ? ' (this project)' : ''}, --write=${write}`;
  // The setup that rewrites this very entry: its name and scope, and the policy it has.
  const setup = `segment-router setup ${c.id}${c.name !== 'segment' ? ` --server-name ${c.name}` : ''}${c.scope === 'project' ? ' --scope project' : ''} --write=${write}`;
  const out: Finding[] = [];
  const secrets = SECRET_VARIABLES.filter((v) => e.env?.[v]);
  if (secrets.length) out.push({ check, level: 'warning', message: `${where}: ${secrets.join(', ')} written in the client's file, readable by anything that reads it.`, fix: 'Store the credentials with "segment-router connections add" and remove them from that file.' });
  const script = routerScript(e) ?? e.args.find((a) => /cli\.js$/.test(a));
  const absolute = /^([A-Za-z]:)?[\\/]/.test(e.command);
  if (absolute && !existsSync(e.command)) out.push({ check, level: 'problem', message: `${where}: its node (${e.command}) does not exist any more.`, fix: `Run "${setup}" again with the node you use now.` });
  if (script && !existsSync(script)) out.push({ check, level: 'problem', message: `${where}: ${script} does not exist (moved, or not built).`, fix: `Run "npm run build" in the repository, or "${setup}" again.` });
  if (!absolute && e.command === 'node') out.push({ check, level: 'warning', message: `${where}: starts a bare "node", which a client started from the desktop may not find (or may find an old one, under nvm).`, fix: `Run "${setup}" to use the absolute path of node.` });
  return out.length ? out : [{ check, level: 'ok', message: `${where}.` }];
}
