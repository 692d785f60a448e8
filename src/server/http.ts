import { isUtf8 } from 'node:buffer';
import { BUSY_RETRY_AFTER_S, HTTP_CONNECTIONS, MAX_BATCH_MESSAGES, MAX_BODY_BYTES_IN_FLIGHT, MAX_MESSAGE_BYTES } from './limits.js';
import { BodyBudget } from './body-budget.js';
import { readBudgetedBody } from './http-body.js';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { App } from '../app.js';
import { VERSION } from '../version.js';
import { createServer, type ToolsMode } from './create-server.js';
import { JsonLimitError, parseJsonText } from '../util/json-text.js';
import { tidyErrorReplies } from './error-replies.js';
import { deliverReceipts } from '../meta/answer-delivery.js';
import { keepProtoKeys, keepProtoKeysDirect } from './proto-keys.js';
import { RequestGuard } from './http-guard.js';
import { RouterTaskStore } from './tasks.js';
import { sharedIdInBatch } from './request-ids.js';

export const MCP_PATH = '/mcp';
export const HEALTH_PATH = '/healthz';

export interface HttpOptions {
  host: string;
  port: number;
  mode: ToolsMode;
  /** Required by the CLI for any bind off loopback. */
  token?: string;
  allowedHosts?: string[];
}

export interface HttpHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A refusal in JSON-RPC form, as the MCP SDK's own HTTP errors are. */
const rpcError = (res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>) =>
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);


/**
 * MCP over Streamable HTTP, stateless: each POST gets a fresh MCP server and transport over the one
 * App, with no session id and a plain JSON response. Nothing is kept between requests, so any number
 * of instances can sit behind a load balancer without sticky sessions. The price: the server cannot
 * call back to the client mid-request, so there is no elicitation (the CLI refuses --write=ask) and
 * no progress stream.
 */
export async function startHttp(app: App, opts: HttpOptions): Promise<HttpHandle> {
  const guard = new RequestGuard({ bindHost: opts.host, allowedHosts: opts.allowedHosts, token: opts.token });
  const maxBody = MAX_MESSAGE_BYTES;
  // Not listable: one client's tasks/list would show every client's tasks (tasks.ts).
  const tasks = new RouterTaskStore(undefined, false);
  const budget = new BodyBudget(MAX_BODY_BYTES_IN_FLIGHT);
  /** The server of each request being answered: closed at shutdown, which cancels its running call. */
  const live = new Set<ReturnType<typeof createServer>>();

  const limits = { headersTimeout: HTTP_CONNECTIONS.headersTimeoutMs, requestTimeout: HTTP_CONNECTIONS.requestTimeoutMs, connectionsCheckingInterval: HTTP_CONNECTIONS.checkEveryMs };
  const server = createHttpServer(limits, async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // Health is for load balancers: no token, no Host rule, and it tells nothing about Segment.
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'Use GET.' }, { Allow: 'GET, HEAD' });
      return sendJson(res, 200, { status: 'ok', version: VERSION });
    }
    if (path !== MCP_PATH) return sendJson(res, 404, { error: `Not found. MCP is served at ${MCP_PATH}; health at ${HEALTH_PATH}.` });

    const refused = guard.check(req);
    if (refused) {
      app.log.warn('http request refused', { status: refused.status, host: req.headers.host, origin: req.headers.origin });
      return rpcError(res, refused.status, -32000, refused.message, refused.headers);
    }
    if (req.method !== 'POST') {
      return rpcError(res, 405, -32000, 'This server is stateless: send each JSON-RPC message with POST. There are no sessions to open (GET) or end (DELETE).', { Allow: 'POST' });
    }
    // The body's bytes count against the server-wide budget until this response is over (or the
    // client is gone): the hold is given back on close, whatever the read came to.
    const hold = { bytes: 0 };
    const giveBack = () => {
      budget.give(hold.bytes);
      hold.bytes = 0;
    };
    res.on('close', giveBack);
    const read = await readBudgetedBody(req, maxBody, budget, hold);
    if ('refused' in read) {
      giveBack();
      if (read.refused === 'gone') return;
      if (read.refused === 'busy') {
        app.log.warn('http request refused: body budget in use', { in_flight_bytes: budget.inUse, limit_bytes: budget.limit });
        return rpcError(res, 503, -32000, `Server busy: ${budget.inUse} of the ${budget.limit} bytes of request bodies it handles at once are in use. Retry after ${BUSY_RETRY_AFTER_S} s, or send smaller calls.`, { 'Retry-After': String(BUSY_RETRY_AFTER_S) });
      }
      return rpcError(res, 413, -32600, `Request body over ${maxBody} bytes.`, { Connection: 'close' });
    }
    // Read as text, bytes that are not UTF-8 would become U+FFFD and reach Segment changed.
    if (!isUtf8(read.body)) return rpcError(res, 400, -32700, 'Parse error: the body is not valid UTF-8. JSON-RPC messages are UTF-8 text; nothing was run.');
    let body: unknown;
    try {
      body = parseJsonText(read.body.toString('utf8'));
    } catch (err) {
      return rpcError(res, 400, -32700, err instanceof JsonLimitError ? `Parse error: the body is ${err.message}.` : 'Parse error: the body is not JSON.');
    }
    if (Array.isArray(body) && !body.length) return rpcError(res, 400, -32600, 'Invalid Request: an empty JSON-RPC batch; send at least one message.');
    if (Array.isArray(body) && body.length > MAX_BATCH_MESSAGES) {
      return rpcError(res, 400, -32600, `Invalid Request: a JSON-RPC batch of ${body.length} messages: this server takes at most ${MAX_BATCH_MESSAGES} in one request. Send the rest in further requests (or one message per request, as MCP 2025-06-18 and later do).`);
    }
    const shared = Array.isArray(body) ? sharedIdInBatch(body) : undefined;
    if (shared !== undefined) return rpcError(res, 400, -32600, `Invalid Request: id ${shared} is used by two requests of the batch; nothing was run. Give each request its own id.`);

    // Stateless: a server per request, one task store for them all, so tasks/get finds what tools/call started.
    const mcp = createServer(app, opts.mode, tasks);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    live.add(mcp);
    res.on('close', () => {
      live.delete(mcp);
      void transport.close();
      void mcp.close();
    });
    try {
      tidyErrorReplies(transport, 'http');
      deliverReceipts(mcp, transport);
      await mcp.connect(transport);
      if (opts.mode !== 'direct') keepProtoKeys(transport);
      else keepProtoKeysDirect(transport);
      await transport.handleRequest(req, res, body);
    } catch (err) {
      app.log.error('http request failed', { error: String(err) });
      rpcError(res, 500, -32603, 'Internal error.');
    }
  });

  server.maxConnections = HTTP_CONNECTIONS.max;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shown}:${port}${MCP_PATH}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tasks.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        // Running calls are cancelled (their requests on the way are answered), as over stdio: the
        // app then gives them a few seconds to settle (app.close) before the process ends.
        for (const mcp of live) void mcp.close();
      }),
  };
}

/** Runs the HTTP server until SIGINT/SIGTERM, then lets in-flight requests finish. */
export async function serveHttp(app: App, opts: HttpOptions): Promise<void> {
  const handle = await startHttp(app, opts);
  // stdout is free in HTTP mode: one line for the person who started it.
  process.stdout.write(`segment-router: MCP (Streamable HTTP, stateless) at ${handle.url}; health at ${handle.url.replace(MCP_PATH, HEALTH_PATH)}\n`);
  app.log.info('segment-router serving MCP over HTTP', { url: handle.url, mode: opts.mode, auth: !!opts.token, tools: app.registry.size, write: app.config.write });
  let closing = false;
  const shutdown = async () => {
    // A second Ctrl-C (or TERM) while running calls settle: stop now.
    if (closing) process.exit(130);
    closing = true;
    // Calls cancelled, each given a few seconds to settle (app.close), whether or not the sockets have ended.
    const closed = handle.close();
    await app.close().catch(() => {});
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000).unref())]);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
