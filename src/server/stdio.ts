import type { App } from '../app.js';
import { createServer, type ToolsMode } from './create-server.js';
import { GuardedStdioTransport } from './guarded-stdio.js';
import { mcpLogSink } from './mcp-log-sink.js';
import { RouterTaskStore } from './tasks.js';

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
  process.stdin.on('end', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  await server.connect(transport);
  app.addLogSink(mcpLogSink(server));
  app.log.info('segment-router serving MCP on stdio', { mode, tools: app.registry.size, write: app.config.write, allowDestructive: app.config.allowDestructive });
}
