import { homedir } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The MCP clients `segment-router setup` and `doctor` know: where each keeps its configuration,
 * under which key its servers live, and the shape of one stdio server entry. Each path can be
 * overridden by an environment variable (SEGMENT_ROUTER_<CLIENT>_CONFIG), which the tests use and
 * which helps with portable installs.
 */
export type ClientId = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode';
export type Scope = 'user' | 'project';

export interface ServerEntry {
  type?: 'stdio';
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ClientSpec {
  id: ClientId;
  label: string;
  /** The top-level key mapping server names to entries. */
  key: 'mcpServers' | 'servers';
  scopes: Scope[];
  /** Whether entries carry "type": "stdio" (required by VS Code; Claude Code writes it too). */
  typed: boolean;
  /** What to do after the file changed. */
  then: string;
}

export const CLIENTS: Record<ClientId, ClientSpec> = {
  'claude-desktop': { id: 'claude-desktop', label: 'Claude Desktop', key: 'mcpServers', scopes: ['user'], typed: false, then: 'Quit Claude Desktop completely and open it again.' },
  'claude-code': { id: 'claude-code', label: 'Claude Code', key: 'mcpServers', scopes: ['user', 'project'], typed: true, then: 'Start a new Claude Code session; /mcp shows the server.' },
  cursor: { id: 'cursor', label: 'Cursor', key: 'mcpServers', scopes: ['user', 'project'], typed: false, then: 'Open Cursor Settings > MCP and check the server is enabled.' },
  vscode: { id: 'vscode', label: 'VS Code', key: 'servers', scopes: ['user', 'project'], typed: true, then: 'In VS Code, run "MCP: List Servers" and start "segment" (Copilot agent mode uses it).' },
};

export const CLIENT_IDS = Object.keys(CLIENTS) as ClientId[];

export interface PathContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  cwd: string;
}

export function pathContext(env: NodeJS.ProcessEnv = process.env): PathContext {
  return { env, platform: process.platform, home: env.HOME || env.USERPROFILE || homedir(), cwd: process.cwd() };
}

/** The folder applications keep per-user settings in: Application Support, %APPDATA%, or XDG. */
function appData(c: PathContext): string {
  if (c.platform === 'darwin') return join(c.home, 'Library', 'Application Support');
  if (c.platform === 'win32') return c.env.APPDATA || join(c.home, 'AppData', 'Roaming');
  return c.env.XDG_CONFIG_HOME || join(c.home, '.config');
}

const OVERRIDE: Record<ClientId, string> = {
  'claude-desktop': 'SEGMENT_ROUTER_CLAUDE_DESKTOP_CONFIG',
  'claude-code': 'SEGMENT_ROUTER_CLAUDE_CODE_CONFIG',
  cursor: 'SEGMENT_ROUTER_CURSOR_CONFIG',
  vscode: 'SEGMENT_ROUTER_VSCODE_CONFIG',
};

/** The configuration file of a client for a scope (user: this account; project: the current folder). */
export function configPath(id: ClientId, scope: Scope, c: PathContext = pathContext()): string {
  if (scope === 'user' && c.env[OVERRIDE[id]]) return c.env[OVERRIDE[id]]!;
  switch (id) {
    case 'claude-desktop':
      return join(appData(c), 'Claude', 'claude_desktop_config.json');
    case 'claude-code':
      return scope === 'user' ? join(c.home, '.claude.json') : join(c.cwd, '.mcp.json');
    case 'cursor':
      return scope === 'user' ? join(c.home, '.cursor', 'mcp.json') : join(c.cwd, '.cursor', 'mcp.json');
    case 'vscode':
      return scope === 'user' ? join(appData(c), 'Code', 'User', 'mcp.json') : join(c.cwd, '.vscode', 'mcp.json');
  }
}

export function overrideVariable(id: ClientId): string {
  return OVERRIDE[id];
}

/** The entry as this client expects it. */
export function entryFor(spec: ClientSpec, command: string, args: string[], env?: Record<string, string>): ServerEntry {
  return { ...(spec.typed ? { type: 'stdio' as const } : {}), command, args, ...(env && Object.keys(env).length ? { env } : {}) };
}

/** The CLI script an entry runs, when it runs one of this project's builds (whatever the folder is called). */
export function routerScript(entry: ServerEntry): string | undefined {
  return entry.args.find((a) => typeof a === 'string' && /(^|[\\/])cli\.js$/.test(a) && isRouterPackage(dirname(dirname(a))));
}

function isRouterPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'segment-router';
  } catch {
    return false;
  }
}

/** Whether an entry starts this router: it names segment-router, or runs a build of it, with "serve". */
export function isRouterEntry(entry: unknown): entry is ServerEntry {
  if (!entry || typeof entry !== 'object') return false;
  const e = entry as Partial<ServerEntry>;
  if (typeof e.command !== 'string' || !Array.isArray(e.args)) return false;
  const parts = [e.command, ...e.args].filter((p): p is string => typeof p === 'string');
  if (!parts.includes('serve')) return false;
  return parts.some((p) => /segment-router/.test(p)) || routerScript(e as ServerEntry) !== undefined;
}
