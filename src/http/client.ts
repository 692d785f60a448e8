import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';

/** A response, its body read up to a limit. Bodies from Segment are small JSON. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body ran past the limit: `text` is its start, the rest was never read. */
  truncated?: boolean;
}

/**
 * Most of a body read by default. A Public API page is well under a megabyte; a host answering with
 * hundreds of megabytes (a misconfigured URL, a hostile proxy) must not fill the process's memory.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** A failure before a status line arrived: refused, reset, timed out, or host not allowed. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(
    message: string,
    /** True when the request cannot have reached the server (refused, not allowed): always safe to retry. */
    readonly notSent: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Most of the body to read (MAX_RESPONSE_BYTES when absent). */
  maxResponseBytes?: number;
}

export interface HttpClient {
  send(req: { method: string; url: string; headers: Record<string, string>; body?: string | Buffer }, opts: SendOptions): Promise<HttpResponse>;
  close(): Promise<void>;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a request to `url` failed because nothing listens there on this machine (Segment's hosts are never local). */
export function refusedLocally(code: string | undefined, url: string): boolean {
  if (code !== 'ECONNREFUSED') return false;
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host === '0.0.0.0' || host === '[::]' || /^127\./.test(host);
}

type Request = typeof import('undici').request;

/**
 * undici's Agent and request, without the rest of the package: its entry point also loads fetch,
 * WebSocket, caches, mocks and proxies, ~8 MB of a command's resident memory and ~0.1 s of its start.
 * Its files are CommonJS, read in step. Should a later undici move them, the entry point is used.
 */
export async function loadUndici(): Promise<{ Agent: typeof Agent; request: Request; whole: boolean }> {
  try {
    const require = createRequire(import.meta.url);
    const AgentClass = require('undici/lib/dispatcher/agent') as typeof Agent;
    const apiRequest = require('undici/lib/api/api-request') as (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
    if (typeof AgentClass !== 'function' || typeof apiRequest !== 'function') throw new Error('undici layout changed');
    // What undici's own request() does with a URL and a dispatcher.
    const request = ((url: URL, opts: Dispatcher.RequestOptions & { dispatcher: Dispatcher }) => apiRequest.call(opts.dispatcher, { ...opts, origin: url.origin, path: `${url.pathname}${url.search}` })) as unknown as Request;
    return { Agent: AgentClass, request, whole: false };
  } catch {
    const u = await import('undici');
    return { Agent: u.Agent, request: u.request, whole: true };
  }
}

/**
 * A body's first `max` bytes as text. Past them the stream is destroyed: the connection closes
 * instead of draining a body nobody reads (the agent opens another for the next request).
 */
async function readBody(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/**
 * The one HTTP client both Segment APIs use: a keep-alive undici Agent, and an allowlist of origins
 * so that no argument can send a request anywhere but the configured Segment hosts.
 */
export function createHttpClient(allowedOrigins: string[]): HttpClient {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  // undici is loaded on the first request, not at start-up: a server that only searches never pays for it.
  let undici: Promise<{ agent: Agent; request: Request }> | undefined;
  const load = () =>
    (undici ??= loadUndici().then((u) => ({
      agent: new u.Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 16, pipelining: 1 }),
      request: u.request,
    })));
  return {
    async send(req, opts) {
      const url = new URL(req.url);
      if (!allowed.has(url.origin)) {
        throw new NetworkError(`Refused to send to ${url.origin}: not a configured Segment host.`, true, 'HOST_NOT_ALLOWED');
      }
      const { agent, request } = await load();
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
      try {
        const res = await request(url, {
          method: req.method as 'GET',
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          signal,
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
        });
        const { text, truncated } = await readBody(res.body, opts.maxResponseBytes ?? MAX_RESPONSE_BYTES);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        return { status: res.statusCode, headers, text, ...(truncated ? { truncated } : {}) };
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        const code = e.code ?? e.cause?.code ?? (timeout.aborted ? 'TIMEOUT' : e.name);
        if (timeout.aborted) throw new NetworkError(`No answer within ${opts.timeoutMs} ms.`, false, 'TIMEOUT');
        if (opts.signal?.aborted) throw new NetworkError('The call was cancelled.', false, 'ABORTED');
        const why = refusedLocally(String(code), url.href) ? ': nothing listens there on this machine (the local stand-in for Segment, segment-router sandbox, is not running?)' : '';
        throw new NetworkError(`Could not reach ${url.origin}: ${code}${why}.`, NOT_SENT_CODES.has(String(code)), String(code));
      }
    },
    close: async () => {
      if (undici) await (await undici).agent.close();
    },
  };
}
