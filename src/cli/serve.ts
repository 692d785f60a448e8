import { isLoopback } from '../server/http-guard.js';
import { appFromFlags, qualityOptions, auditOptions, envOptions, policyOptions, scopeOptions } from './app-flags.js';
import { readAuthTokenFile } from './auth-token.js';
import { listFlag, portTaken, UsageError, type CommandSpec } from './common.js';
import { selfCommand, waitingMessage } from './waiting.js';

type Values = Record<string, unknown>;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T {
  const v = String(value).trim().toLowerCase() as T;
  if (!allowed.includes(v)) throw new UsageError(`${flag} must be ${allowed.join(' or ')}, got "${value}".`);
  return v;
}

function portFrom(raw: unknown): number {
  if (raw === undefined) return 3333;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${raw}".`);
  return n;
}

/** The HTTP settings, checked before anything listens: off loopback, a token is not optional. */
function httpSettings(values: Values) {
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const file = values['auth-token-file'] as string | undefined;
  if (!isLoopback(host) && !file) {
    throw new UsageError(`--host ${host} is reachable from other machines: pass --auth-token-file F (clients then send "Authorization: Bearer <token>"), or keep the default --host 127.0.0.1.`);
  }
  const auth = file ? readAuthTokenFile(file) : undefined;
  return { host, port: portFrom(values.port), token: auth?.token, warning: auth?.warning, allowedHosts: listFlag(values['allowed-hosts']) };
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the MCP server (stdio by default, or Streamable HTTP).',
  usage:
    'segment-router serve [--transport stdio|http] [--host 127.0.0.1] [--port 3333] [--auth-token-file F] [--tools-mode meta|direct] [--tool-names full|short] [--write=deny|ask|allow] [--allow-destructive] [--toolsets a,b] [--tools SLUG,...] [--audit-payloads]',
  options: {
    transport: { type: 'string', description: 'stdio (default): one client on stdin/stdout. http: MCP Streamable HTTP at /mcp, stateless, JSON responses.' },
    host: { type: 'string', description: 'HTTP bind address (default 127.0.0.1). Anything but loopback requires --auth-token-file.' },
    port: { type: 'string', description: 'HTTP port (default 3333; 0 picks a free one).' },
    'auth-token-file': { type: 'string', description: 'File holding the bearer token HTTP clients must send (Authorization: Bearer <token>).' },
    'allowed-hosts': { type: 'string', description: 'Extra Host names HTTP clients use, comma-separated (e.g. a load balancer\'s name). Loopback names are always allowed.' },
    'tools-mode': { type: 'string', description: 'meta (default): SEARCH_TOOLS, MANAGE_CONNECTIONS, EXECUTE_TOOL, RUN_SCRIPT. direct: each tool in scope that the write policy allows as its own MCP tool, integration__segment__<slug>.' },
    'tool-names': { type: 'string', description: 'direct mode: full (default, integration__segment__<slug>) or short (segment_<operation>, every name within the 64 characters some model APIs allow).' },
    ...policyOptions,
    ...scopeOptions,
    ...envOptions,
    ...auditOptions,
    ...qualityOptions,
  },
  async run({ values }) {
    const transport = oneOf(values.transport ?? 'stdio', ['stdio', 'http'] as const, '--transport');
    const mode = oneOf(values['tools-mode'] ?? 'meta', ['meta', 'direct'] as const, '--tools-mode');
    if (values['tool-names'] !== undefined && mode !== 'direct') throw new UsageError('--tool-names applies to --tools-mode=direct only (the meta tools have short names already).');
    if (transport === 'stdio') {
      const misplaced = ['host', 'port', 'auth-token-file', 'allowed-hosts'].filter((f) => values[f] !== undefined);
      if (misplaced.length) throw new UsageError(`${misplaced.map((f) => `--${f}`).join(', ')} only apply with --transport=http.`);
    }
    const http = transport === 'http' ? httpSettings(values) : undefined;
    const app = appFromFlags(values, 'info', mode === 'direct' ? 'direct' : 'mcp');
    if (http && app.config.write === 'ask') {
      await app.close();
      throw new UsageError(
        '--write=ask cannot be used with --transport=http: confirming a write needs MCP elicitation, a request from the server back to the client, and the stateless HTTP transport has no stream to carry it. Use --write=deny or --write=allow over HTTP, or serve over stdio to confirm each write.',
      );
    }
    // The MCP SDK loads only here, so the one-shot commands (call, search, tools) start without it.
    if (!http) {
      // A person ran it by hand: say what it waits for, on stderr (stdout belongs to the protocol).
      if (process.stdin.isTTY) process.stderr.write(waitingMessage(selfCommand(), mode) + '\n');
      const { serveStdio } = await import('../server/stdio.js');
      await serveStdio(app, mode);
      return undefined;
    }
    if (http.warning) app.log.warn(http.warning);
    // The bearer token is a secret like the write key: masked wherever a client or an upstream echoes it.
    app.redactor.add(http.token);
    const { serveHttp } = await import('../server/http.js');
    await serveHttp(app, { host: http.host, port: http.port, mode, token: http.token, allowedHosts: http.allowedHosts }).catch((err: unknown) => {
      throw portTaken(err, http.host, http.port);
    });
    return undefined;
  },
};
