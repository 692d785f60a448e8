import { readBody } from '../util/read-body.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultQueue, fillEcho, type FaultRule } from './faults.js';
import { createPublicApiState, handlePublicApi, type PublicApiState } from './public-api.js';
import { handleTracking, type SeenIds, type TrackingRecord } from './tracking.js';

/**
 * A Segment-compatible endpoint on loopback: the Tracking API with its quirks, the Public API
 * operations the router's flows use, fault injection, and a record of everything received.
 * Tests, the demo and `segment-router sandbox` all run this one server.
 */

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Public API tokens the sandbox accepts (any other Bearer token gets 401). */
  tokens?: string[];
  /** Write keys that belong to the sandbox workspace's sources. */
  writeKeys?: string[];
  /** Called with a short line per event received (the `sandbox` command prints them). */
  onLine?: (line: string) => void;
  /** Called once each Segment request has been answered (control routes excluded). */
  onRequest?: (record: RequestRecord) => void;
  /** Largest request body read; bigger ones get 413 without being read whole. */
  maxBodyBytes?: number;
  /** Events and requests kept, the most recent (default KEPT_RECORDS). */
  keptRecords?: number;
}

export interface RequestRecord {
  time: string;
  method: string;
  path: string;
  query: string;
  status: number;
  bytes: number;
  retryCount?: string;
  /** Messages in a Tracking API request (a batch counts its items). */
  messages?: number;
  accept?: string;
  contentType?: string;
}

export interface Sandbox {
  url: string;
  port: number;
  events: TrackingRecord[];
  requests: RequestRecord[];
  publicApi: PublicApiState;
  faults: FaultQueue;
  reset(): void;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const events: TrackingRecord[] = [];
  const seenIds: SeenIds = new Set();
  const requests: RequestRecord[] = [];
  const faults = new FaultQueue();
  const publicApi = createPublicApiState({ tokens: opts.tokens ?? ['sandbox-token'], writeKeys: opts.writeKeys ?? ['sandbox-write-key'] });
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const kept = opts.keptRecords ?? KEPT_RECORDS;
  const sockets = new Set<Socket>();
  /** A write key of a source in the sandbox's workspace (sources made or given keys through its Public API count). */
  const knownWriteKey = (key: string | undefined) => key !== undefined && publicApi.sources.some((s) => (s.writeKeys as string[] | undefined)?.includes(key));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const started = Date.now();
    const body = await readBody(req, maxBody).catch(() => undefined);
    // Segment's Tracking API answers an oversized payload 400 in its own words; the Public API, 413.
    if (!body && url.pathname.startsWith('/v1/')) return send(res, 400, { success: false, message: `Payload over ${maxBody} bytes` });
    if (!body) return send(res, 413, { errors: [{ type: 'too-large', message: 'Request body too large' }] });
    const record: RequestRecord = {
      time: new Date(started).toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
      bytes: body.length,
      retryCount: header(req, 'x-retry-count'),
      accept: header(req, 'accept'),
      contentType: header(req, 'content-type'),
    };
    const isControl = url.pathname.startsWith('/_sandbox') || url.pathname === '/healthz';
    if (!isControl) requests.push(record);

    const respond = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      send(res, status, payload, headers);
      if (!isControl) opts.onRequest?.(record);
    };

    if (isControl) return control(req, url, body, respond);

    const fault = faults.take(url.pathname, body);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    const playFault = () => {
      if (fault!.reset) {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = fault!.retryAfter !== undefined ? { 'Retry-After': String(fault!.retryAfter) } : {};
      if (fault!.text !== undefined) {
        record.status = fault!.status!;
        res.writeHead(fault!.status!, { 'Content-Type': 'text/html', ...headers });
        return res.end(fault!.text);
      }
      const payload = fault!.body ?? { errors: [{ type: 'fault', message: `Injected ${fault!.status}` }] };
      respond(fault!.status!, fillEcho(payload, header(req, 'authorization') ?? '', credentialOf(req)), headers);
    };
    const faulty = !!fault && (!!fault.reset || !!fault.status);
    if (faulty && !fault!.afterAccept) return playFault();

    if (url.pathname.startsWith('/v1/')) {
      const out = handleTracking(url.pathname.slice(4), req.headers, body, events, seenIds, knownWriteKey);
      record.messages = out.messages;
      for (const line of out.lines) opts.onLine?.(line);
      if (faulty) return playFault();
      return respond(out.status, out.body);
    }
    const out = handlePublicApi(publicApi, { method: record.method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
    if (faulty) return playFault();
    respond(out.status, out.body, out.headers);
  };
  // Whatever a client sends, the sandbox answers and keeps running: a stand-in that dies takes every test with it.
  const server: Server = createServer((req, res) => {
    handle(req, res)
      .catch((err: unknown) => send(res, 500, { errors: [{ type: 'sandbox', message: `The sandbox could not handle this request: ${(err as Error).message}` }] }))
      .finally(() => {
        keepRecent(events, kept);
        keepRecent(requests, kept);
      });
  });

  function control(req: IncomingMessage, url: URL, body: Buffer, respond: (s: number, p: unknown) => void) {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /healthz':
        return respond(200, { ok: true });
      case 'GET /_sandbox/events':
        return respond(200, { events, count: events.length });
      case 'GET /_sandbox/requests':
        return respond(200, { requests, count: requests.length });
      case 'DELETE /_sandbox/events':
        reset();
        return respond(200, { ok: true });
      case 'POST /_sandbox/faults': {
        let rules: FaultRule | FaultRule[];
        try {
          rules = JSON.parse(body.toString() || '[]') as FaultRule | FaultRule[];
        } catch (err) {
          return respond(400, { error: `The fault rules are not JSON (${(err as Error).message}). Send one rule or a list, e.g. {"path":"/v1/batch","status":503,"times":2}.` });
        }
        const list = Array.isArray(rules) ? rules : [rules];
        if (list.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) return respond(400, { error: 'Each fault rule must be an object, e.g. {"path":"/v1/batch","status":503,"times":2}.' });
        faults.add(...list);
        return respond(200, { ok: true, pending: faults.pending() });
      }
      case 'DELETE /_sandbox/faults':
        faults.clear();
        return respond(200, { ok: true });
      default:
        return respond(404, { error: `No sandbox route ${route}. Routes: GET /_sandbox/events, GET /_sandbox/requests, DELETE /_sandbox/events, POST|DELETE /_sandbox/faults, GET /healthz.` });
    }
  }

  function reset() {
    events.length = 0;
    seenIds.clear();
    requests.length = 0;
    faults.clear();
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    events,
    requests,
    publicApi,
    faults,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * What the sandbox keeps of what it received: the most recent KEPT_RECORDS events and requests (an
 * import of millions of events would otherwise hold each, about 1 KB apiece, until it ran out of memory).
 * Trimmed in steps, not per record, so keeping them stays cheap.
 */
export const KEPT_RECORDS = 200_000;

function keepRecent(list: unknown[], kept: number): void {
  if (list.length > kept * 1.25) list.splice(0, list.length - kept);
}

/** The secret a request carries: the write key of HTTP Basic, or the Bearer token. */
function credentialOf(req: IncomingMessage): string {
  const auth = header(req, 'authorization') ?? '';
  if (auth.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString().replace(/:$/, '');
  return auth.startsWith('Bearer ') ? auth.slice(7) : '';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}


function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
