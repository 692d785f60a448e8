import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { App } from '../app.js';
import { createServer, type ToolsMode } from './create-server.js';
import { tidyErrorReplies } from './error-replies.js';
import { deliverReceipts, watchLateCancels } from '../meta/answer-delivery.js';
import { keepProtoKeys, keepProtoKeysDirect } from './proto-keys.js';
import { GuardedStdioTransport } from './guarded-stdio.js';
import { mcpLogSink } from './mcp-log-sink.js';
import { RouterTaskStore } from './tasks.js';

/** How long answers still on their way are waited for once stdin ends (a client's close waits ~2 s, then SIGTERM). */
const END_GRACE_MS = 5_000;

/** Serves MCP on stdin/stdout until the client goes away. Only protocol goes to stdout. */
export async function serveStdio(app: App, mode: ToolsMode = 'meta'): Promise<void> {
  const tasks = new RouterTaskStore();
  const server = createServer(app, mode, tasks);
  const transport = new GuardedStdioTransport({ warn: (m) => app.log.warn(m) });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    tasks.close();
    await server.close().catch(() => {});
    await app.close().catch(() => {});
    process.exit(0);
  };
  transport.onclose = () => void shutdown();
  // End of input: the client is done sending (a pipe, `echo ... | segment-router serve`) or has hung up.
  // The answers that come within a few seconds are written; then what still runs is cancelled.
  process.stdin.on('end', () => void transport.whenAnswered(END_GRACE_MS).then(shutdown));
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  tidyErrorReplies(transport);
  deliverReceipts(server, transport);
  await server.connect(transport);
  watchLateCancels(server, transport);
  if (mode === 'meta') keepProtoKeys(transport);
  else keepProtoKeysDirect(transport);
  if (mode === 'meta') loadSearchOnInitialize(transport, app);
  app.addLogSink(mcpLogSink(server));
  app.log.info('segment-router serving MCP on stdio', { mode, tools: app.registry.size, write: app.config.write, allowDestructive: app.config.allowDestructive });
}

/**
 * Loads the search index `npm run build` saved when initialize arrives, before it is answered: the
 * answer waits some 25 ms more, and the first SEARCH_TOOLS, which clients send right after, does not wait
 * for the index (bench/README.md). Never a build: a scoped registry (--toolsets, --tools) has no saved index,
 * and building one takes seconds, so SEARCH_TOOLS builds it once the client has initialized, as it loads
 * it for other transports.
 */
function loadSearchOnInitialize(transport: Transport, app: App): void {
  const deliver = transport.onmessage;
  let loaded = false;
  transport.onmessage = (message, extra) => {
    if (!loaded && 'method' in message && message.method === 'initialize' && 'id' in message) {
      loaded = true;
      const started = performance.now();
      try {
        if (app.search.warm({ savedOnly: true })) app.log.debug('search index loaded', { ms: Math.round(performance.now() - started) });
      } catch (err) {
        // Initialize is answered whatever happens; SEARCH_TOOLS reports the problem when it is called.
        app.log.warn('search index did not load', { error: String(err) });
      }
    }
    deliver?.(message, extra);
  };
}
