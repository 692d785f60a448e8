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
    if (!mcpLevel || !server.isConnected()) return;
    let data: unknown = line;
    try {
      data = JSON.parse(line);
    } catch {
      /* keep the plain line */
    }
    void server.server.sendLoggingMessage({ level: mcpLevel, logger: 'segment-router', data }).catch(() => undefined);
  };
}
