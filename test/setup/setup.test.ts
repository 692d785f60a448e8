import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath } from '../../src/setup/clients.js';
import { runCli } from '../helpers/cli-process.js';
import { CLI, TOKEN, WRITE_KEY } from '../helpers/router.js';

const temp = () => mkdtempSync(join(tmpdir(), 'sr-setup-'));

/** A run with a temporary HOME, the given client files, and credentials in the environment (never to be copied). */
function env(home: string, extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH ?? '', HOME: home, SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_PUBLIC_API_TOKEN: TOKEN, ...extra };
}

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const backups = (path: string) => readdirSync(dirname(path)).filter((f) => f.includes('segment-router-backup'));

describe('segment-router setup CLIENT', () => {
  it('claude-desktop: merges into the existing file, keeps a backup, absolute node and cli.js, the chosen --write, no secret', async () => {
    const home = temp();
    const file = join(home, 'claude_desktop_config.json');
    const before = { globalShortcut: 'Ctrl+Space', mcpServers: { files: { command: 'npx', args: ['-y', 'some-server'] } } };
    writeFileSync(file, JSON.stringify(before, null, 2));
    const r = await runCli(['setup', 'claude-desktop', '--write=ask'], { env: env(home, { SEGMENT_ROUTER_CLAUDE_DESKTOP_CONFIG: file }) });
    expect(r.code, r.stderr).toBe(0);
    const after = read(file);
    expect(after.globalShortcut).toBe('Ctrl+Space');
    expect(after.mcpServers.files).toEqual(before.mcpServers.files);
    const entry = after.mcpServers.segment;
    expect(entry.command).toBe(process.execPath);
    expect(isAbsolute(entry.command)).toBe(true);
    expect(entry.args).toEqual([CLI, 'serve', '--write=ask']);
    expect(entry.type).toBeUndefined();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(WRITE_KEY);
    expect(text).not.toContain(TOKEN);
    expect(backups(file)).toHaveLength(1);
    expect(read(join(home, backups(file)[0]!))).toEqual(before);
    expect(r.stdout).toContain('Added "segment"');
    expect(r.stdout).toContain('Quit Claude Desktop completely');
    expect(r.stdout).toMatch(/SEGMENT_WRITE_KEY \/ SEGMENT_PUBLIC_API_TOKEN are set in this shell and are not copied/);

    // Run again: the same entry is there, nothing is rewritten and no second backup appears.
    const again = await runCli(['setup', 'claude-desktop', '--write=ask'], { env: env(home, { SEGMENT_ROUTER_CLAUDE_DESKTOP_CONFIG: file }) });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing changed');
    expect(backups(file)).toHaveLength(1);
    // Another policy replaces the router's own entry only.
    const allow = await runCli(['setup', 'claude-desktop', '--write=allow', '--allow-destructive', '--toolsets=tracking,sources'], { env: env(home, { SEGMENT_ROUTER_CLAUDE_DESKTOP_CONFIG: file }) });
    expect(allow.stdout).toContain('Replaced "segment"');
    expect(read(file).mcpServers.segment.args).toEqual([CLI, 'serve', '--write=allow', '--allow-destructive', '--toolsets=tracking,sources']);
    expect(read(file).mcpServers.files).toEqual(before.mcpServers.files);
    expect(backups(file)).toHaveLength(2);
  });

  it('the written entry starts a working router: an MCP client lists its tools', async () => {
    const home = temp();
    const file = join(home, 'claude.json');
    const r = await runCli(['setup', 'claude-code', '--write=deny'], { env: env(home, { SEGMENT_ROUTER_CLAUDE_CODE_CONFIG: file }) });
    expect(r.code, r.stderr).toBe(0);
    const entry = read(file).mcpServers.segment;
    expect(entry.type).toBe('stdio');
    // As a client starts it: the entry's command and arguments, with a bare environment.
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { HOME: home, SEGMENT_ROUTER_HOME: join(home, 'sr') }, stderr: 'pipe' });
    const client = new Client({ name: 'setup-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('SEARCH_TOOLS');
    } finally {
      await client.close();
    }
  });

  it('default paths: each client under HOME (user) or the current folder (project), with its own key and entry shape', () => {
    const home = temp();
    const project = temp();
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'setup', ...args], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: '' }, encoding: 'utf8' });
    const ctx = { env: { HOME: home }, platform: process.platform, home, cwd: project };
    for (const [client, key, typed] of [
      ['claude-desktop', 'mcpServers', false],
      ['claude-code', 'mcpServers', true],
      ['cursor', 'mcpServers', false],
      ['vscode', 'servers', true],
    ] as const) {
      const r = run([client, '--write=deny']);
      expect(r.status, r.stderr).toBe(0);
      const path = configPath(client, 'user', ctx);
      expect(path.startsWith(home)).toBe(true);
      const entry = read(path)[key].segment;
      expect(entry.args).toEqual([CLI, 'serve', '--write=deny']);
      expect(entry.type === 'stdio').toBe(typed);
    }
    expect(existsSync(join(home, '.claude.json'))).toBe(true);
    expect(existsSync(join(home, '.cursor', 'mcp.json'))).toBe(true);
    const proj = run(['vscode', '--write=ask', '--scope=project']);
    expect(proj.status, proj.stderr).toBe(0);
    expect(read(join(project, '.vscode', 'mcp.json')).servers.segment.args).toContain('--write=ask');
    expect(proj.stdout).toContain('A project file is usually committed');
    // A scope the client has not is a usage error, as --help says (it exited 1 until 2026-12-07).
    expect(run(['claude-desktop', '--write=deny', '--scope=project']).status).toBe(2);
  }, 90_000); // six runs of the binary, one after another

  it('--print shows only the snippet and changes nothing', async () => {
    const home = temp();
    const file = join(home, 'mcp.json');
    const r = await runCli(['setup', 'cursor', '--write=allow', '--print'], { env: env(home, { SEGMENT_ROUTER_CURSOR_CONFIG: file }) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ mcpServers: { segment: { command: process.execPath, args: [CLI, 'serve', '--write=allow'] } } });
    expect(existsSync(file)).toBe(false);
  });

  it('the config home and a named connection travel with the entry; the store passphrase does not', async () => {
    const home = temp();
    const file = join(home, 'c.json');
    const r = await runCli(['setup', 'claude-desktop', '--write=deny', '--connection', 'staging'], {
      env: env(home, { SEGMENT_ROUTER_CLAUDE_DESKTOP_CONFIG: file, SEGMENT_ROUTER_HOME: join(home, 'custom'), SEGMENT_ROUTER_KEY: 'a-passphrase-that-is-long-enough' }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(read(file).mcpServers.segment.env).toEqual({ SEGMENT_ROUTER_HOME: join(home, 'custom'), SEGMENT_ROUTER_CONNECTION: 'staging' });
    expect(readFileSync(file, 'utf8')).not.toContain('a-passphrase-that-is-long-enough');
    expect(r.stdout).toContain('SEGMENT_ROUTER_KEY is set in this shell and is not written');
  });

  // Found by a new user's walk (2026-12-07): set up from a shell pointed at the sandbox, the client talked to Segment with the sandbox's keys, unwarned.
  it('a shell whose API hosts are overridden (a sandbox) gets a note: the client talks to Segment itself, with the stored connection', async () => {
    const home = temp();
    const file = join(home, 'c.json');
    const r = await runCli(['setup', 'claude-desktop', '--write=deny'], { env: env(home, { SEGMENT_ROUTER_CLAUDE_DESKTOP_CONFIG: file, SEGMENT_TRACKING_API_URL: 'http://127.0.0.1:9' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SEGMENT_TRACKING_API_URL is set in this shell (a sandbox or a proxy?) and not copied');
    expect(read(file).mcpServers.segment.env ?? {}).not.toHaveProperty('SEGMENT_TRACKING_API_URL');
  });

  it('refuses without changing anything: no --write off a terminal, an unknown client, a file that is not plain JSON', async () => {
    const home = temp();
    const file = join(home, 'mcp.json');
    const noWrite = await runCli(['setup', 'vscode'], { env: env(home, { SEGMENT_ROUTER_VSCODE_CONFIG: file }) });
    expect(noWrite.code).toBe(2);
    expect(noWrite.stderr).toContain('--write=deny (read only), --write=ask (confirm each write) or --write=allow');
    expect(existsSync(file)).toBe(false);
    const typo = await runCli(['setup', 'claude-dekstop', '--write=deny'], { env: env(home) });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean claude-desktop?');
    mkdirSync(dirname(file), { recursive: true });
    const jsonc = '{\n  // my servers\n  "servers": {}\n}\n';
    writeFileSync(file, jsonc);
    const comments = await runCli(['setup', 'vscode', '--write=deny'], { env: env(home, { SEGMENT_ROUTER_VSCODE_CONFIG: file }) });
    expect(comments.code).toBe(1);
    expect(comments.stderr).toContain('not plain JSON');
    expect(comments.stderr).toContain('--print');
    expect(readFileSync(file, 'utf8')).toBe(jsonc);
    expect(backups(file)).toHaveLength(0);
  });
});
