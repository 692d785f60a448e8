import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Names a loopback server always answers to, whatever the port. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** True for a bind address that listens on every interface. */
export const isWildcard = (host: string): boolean => ['0.0.0.0', '::', '[::]'].includes(host);

/** The host name in a Host header or Origin, lower case, without the port; IPv6 keeps its brackets. */
function hostnameOf(value: string, asOrigin: boolean): string | undefined {
  try {
    return new URL(asOrigin ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

export interface GuardOptions {
  /** The address the server is bound to; a specific address is accepted as a Host name too. */
  bindHost: string;
  /** Extra Host names clients use (a load balancer's name, the machine's name). */
  allowedHosts?: string[];
  /** When set, every MCP request needs `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * The checks every MCP request passes before the MCP layer sees it.
 * - Host and Origin must name this server: a web page that rebinds a DNS name to 127.0.0.1 sends its
 *   own name in both, so it is refused (DNS-rebinding protection). Requests without Origin (every
 *   non-browser client) are judged by Host alone.
 * - The bearer token is compared through SHA-256 digests with timingSafeEqual: equal-length inputs,
 *   so neither the length nor a matching prefix of the secret shows in the response time.
 */
export class RequestGuard {
  private readonly hosts: Set<string>;
  private readonly digest?: Buffer;

  constructor(opts: GuardOptions) {
    const names = [...LOOPBACK_NAMES, ...(opts.allowedHosts ?? [])];
    if (!isWildcard(opts.bindHost)) names.push(opts.bindHost.includes(':') && !opts.bindHost.startsWith('[') ? `[${opts.bindHost}]` : opts.bindHost);
    this.hosts = new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean));
    if (opts.token) this.digest = sha256(opts.token);
  }

  check(req: IncomingMessage): Refusal | undefined {
    const host = req.headers.host;
    const hostname = host ? hostnameOf(host, false) : undefined;
    if (!hostname || !this.hosts.has(hostname)) {
      return { status: 403, message: `Host "${host ?? ''}" is not allowed. This server answers to: ${[...this.hosts].join(', ')} (add names with --allowed-hosts).` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const name = hostnameOf(origin, true);
      if (!name || !this.hosts.has(name)) return { status: 403, message: `Origin "${origin}" is not allowed.` };
    }
    if (this.digest && !this.authorized(req.headers.authorization)) {
      return { status: 401, message: 'Missing or wrong bearer token: send "Authorization: Bearer <token>" with the token from the server\'s --auth-token-file.', headers: { 'WWW-Authenticate': 'Bearer realm="segment-router"' } };
    }
    return undefined;
  }

  private authorized(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    // Hash even when the header is missing, so every refusal costs the same.
    return timingSafeEqual(sha256(m?.[1] ?? ''), this.digest!) && !!m;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
