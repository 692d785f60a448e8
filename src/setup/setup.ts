import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configHome, type WritePolicy } from '../config/runtime.js';
import { CLIENTS, configPath, entryFor, type ClientId, type PathContext, type Scope, type ServerEntry } from './clients.js';

/**
 * `segment-router setup CLIENT`: adds the router to a client's MCP configuration, merged with what
 * is there (other servers and settings are kept as they are), with a backup of the file as it was.
 * The entry holds absolute paths (clients often start servers with a bare PATH, where `node` may be
 * missing or another version) and the person's write policy; never a secret.
 */

export interface SetupOptions {
  client: ClientId;
  scope: Scope;
  write: WritePolicy;
  allowDestructive?: boolean;
  toolsets?: string[];
  /** The name of the entry in the client's list (default "segment"). */
  serverName?: string;
  /** A stored connection other than the default. */
  connection?: string;
  /** Absolute path of node and of dist/cli.js; this process's own by default. */
  node?: string;
  script?: string;
  paths: PathContext;
}

export interface SetupPlan {
  client: ClientId;
  scope: Scope;
  path: string;
  serverName: string;
  entry: ServerEntry;
  /** What the person would paste by hand: the client's key with this one entry. */
  snippet: Record<string, Record<string, ServerEntry>>;
  warnings: string[];
}

export interface SetupResult {
  path: string;
  created: boolean;
  /** Same entry already there: nothing written. */
  unchanged: boolean;
  /** An entry of that name was there and is now replaced. */
  replaced: boolean;
  backup?: string;
}

export class SetupError extends Error {
  override name = 'SetupError';
  /** The request itself was wrong (a scope the client has not): a usage error, not a file that could not be written. */
  readonly usage: boolean;

  constructor(message: string, opts: { usage?: boolean } = {}) {
    super(message);
    this.usage = opts.usage === true;
  }
}

/** dist/cli.js of this build, from dist/setup/setup.js. */
export function ownScript(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');
}

/** Version managers whose node paths change when that version is removed or upgraded. */
const MANAGED_NODE = /[\\/](\.nvm|\.fnm|fnm|\.volta|\.asdf|nodenv|\.nodenv|n[\\/]versions)[\\/]/;

export function planSetup(o: SetupOptions): SetupPlan {
  const spec = CLIENTS[o.client];
  if (!spec.scopes.includes(o.scope)) throw new SetupError(`${spec.label} has no ${o.scope} configuration; use --scope ${spec.scopes.join(' or ')}.`, { usage: true });
  const node = o.node ?? process.execPath;
  const script = o.script ?? ownScript();
  const args = [script, 'serve', `--write=${o.write}`];
  if (o.allowDestructive) args.push('--allow-destructive');
  if (o.toolsets?.length) args.push(`--toolsets=${o.toolsets.join(',')}`);
  // Settings that pick where the credentials are, never the credentials themselves.
  const env: Record<string, string> = {};
  if (o.paths.env.SEGMENT_ROUTER_HOME || o.paths.env.XDG_CONFIG_HOME) env.SEGMENT_ROUTER_HOME = configHome(o.paths.env);
  if (o.connection) env.SEGMENT_ROUTER_CONNECTION = o.connection;
  const entry = entryFor(spec, node, args, env);
  const serverName = o.serverName ?? 'segment';
  const warnings: string[] = [];
  if (MANAGED_NODE.test(node)) warnings.push(`node is ${node}, from a version manager: if that version is removed, run setup again (or doctor will say the path is gone).`);
  if (o.paths.env.SEGMENT_ROUTER_KEY) warnings.push('SEGMENT_ROUTER_KEY is set in this shell and is not written to the file (it is a secret): give it to the client another way, or the stored connections cannot be read there.');
  if (o.paths.env.SEGMENT_WRITE_KEY || o.paths.env.SEGMENT_PUBLIC_API_TOKEN) warnings.push('SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN are set in this shell and are not copied: store them with "segment-router connections add" so the client finds them.');
  // The stored keys may be a sandbox's: here they go to that host, in the client (which does not get the variable) to Segment.
  const hosts = (['SEGMENT_TRACKING_API_URL', 'SEGMENT_PUBLIC_API_URL'] as const).filter((k) => o.paths.env[k]);
  if (hosts.length) warnings.push(`${hosts.join(' and ')} ${hosts.length > 1 ? 'are' : 'is'} set in this shell (a sandbox or a proxy?) and not copied: the client will talk to Segment itself, with the stored connection. If that connection holds a sandbox's keys, store your real ones first ("segment-router connections add").`);
  if (o.scope === 'project') warnings.push('A project file is usually committed: it holds absolute paths of this computer; others run setup for themselves.');
  if (o.write === 'ask' && o.client === 'claude-desktop') warnings.push('--write=ask confirms each write through MCP elicitation; if Claude Desktop cannot show the question, writes are refused with a message saying so.');
  return { client: o.client, scope: o.scope, path: configPath(o.client, o.scope, o.paths), serverName, entry, snippet: { [spec.key]: { [serverName]: entry } }, warnings };
}

function readConfig(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  if (!text.trim()) return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SetupError(`${path} is not plain JSON (${(err as Error).message.split('\n')[0]}), perhaps it has comments; nothing was changed. Add the entry by hand: segment-router setup ... --print shows it.`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new SetupError(`${path} does not hold a JSON object; nothing was changed.`);
  return data as Record<string, unknown>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Merges the entry into the file: other keys and servers stay, a backup of the old file is kept. */
export function applySetup(plan: SetupPlan, now: Date = new Date()): SetupResult {
  const spec = CLIENTS[plan.client];
  const current = readConfig(plan.path);
  const config = current ?? {};
  const servers = config[spec.key] ?? {};
  if (typeof servers !== 'object' || Array.isArray(servers)) throw new SetupError(`"${spec.key}" in ${plan.path} is not an object; nothing was changed.`);
  const existing = (servers as Record<string, unknown>)[plan.serverName];
  if (existing !== undefined && same(existing, plan.entry)) return { path: plan.path, created: false, unchanged: true, replaced: false };
  const next = { ...config, [spec.key]: { ...(servers as Record<string, unknown>), [plan.serverName]: plan.entry } };

  let backup: string | undefined;
  if (current) {
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    backup = `${plan.path}.segment-router-backup-${stamp}`;
    for (let i = 1; existsSync(backup); i++) backup = `${plan.path}.segment-router-backup-${stamp}-${i}`;
    copyFileSync(plan.path, backup);
  } else {
    mkdirSync(dirname(plan.path), { recursive: true });
  }
  // Whole file or nothing: a temp file beside it, renamed over it, keeping its permissions.
  const mode = current ? statSync(plan.path).mode & 0o777 : 0o644;
  const tmp = join(dirname(plan.path), `.${Date.now()}-${process.pid}.segment-router.tmp`);
  writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode });
  renameSync(tmp, plan.path);
  return { path: plan.path, created: !current, unchanged: false, replaced: existing !== undefined, ...(backup ? { backup } : {}) };
}
