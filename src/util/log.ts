import type { LogLevel } from '../config/runtime.js';
import type { Redactor } from '../security/redact.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Extra place a log line goes (the MCP logging channel), after redaction. */
export type LogSink = (level: LogLevel, line: string) => void;

/**
 * Logs to stderr only: in stdio mode stdout belongs to the protocol. Every line is redacted.
 * `sinks` is read on every line, so a sink added later (the MCP channel) gets what follows.
 */
export function createLogger(level: LogLevel, redactor: Redactor, sinks: LogSink[] = []): Logger {
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const line = redactor.text(
      JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...(fields ?? {}) }),
    );
    process.stderr.write(line + '\n');
    for (const sink of sinks) sink(lvl, line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
