import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { LogSink } from '../util/log.js';

const LEVELS: Record<string, LoggingLevel> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

/**
 * Forwards the router's log lines (already redacted) to the client as MCP log messages; the SDK
 * drops those under the level the client chose with logging/setLevel.
 */
export function mcpLogSink(server: McpServer): LogSink {
  return (level, line) => {
    const mcpLevel = LEVELS[level];
    // Nothing before the client has initialized: a client that has not spoken yet (or a person at a
    // terminal) must not get protocol lines it did not ask for.
    if (!mcpLevel || !server.isConnected() || !server.server.getClientVersion()) return;
    let data: unknown = line;
    try {
      data = JSON.parse(line);
    } catch {
      /* keep the plain line */
    }
    void server.server.sendLoggingMessage({ level: mcpLevel, logger: 'segment-router', data }).catch(() => undefined);
  };
}
