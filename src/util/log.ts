import type { LogLevel } from '../config/runtime.js';
import type { Redactor } from '../security/redact.js';
import { forTerminal } from './printable.js';

/** The longest log line written, in characters. */
export const MAX_LINE = 8_000;

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n).replace(/[\uD800-\uDBFF]$/, '')}…` : s);

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
 * How stderr lines look: `json`, one JSON object a line for a server's log collector; `text`, for a
 * person at the command line (`segment-router: warning: ...`).
 */
export type LogFormat = 'json' | 'text';

const WORD: Record<LogLevel, string> = { debug: 'debug', info: 'note', warn: 'warning', error: 'error', silent: '' };

/** A log line for a person: the message, then its fields as `name=value`. */
function textLine(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): string {
  const parts = Object.entries(fields ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `segment-router: ${WORD[lvl]}: ${msg}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Logs to stderr only: in stdio mode stdout belongs to the protocol. Every line is redacted.
 * `sinks` is read on every line, so a sink added later (the MCP channel) gets what follows; they get
 * the JSON line whatever the format.
 */
export function createLogger(level: LogLevel, redactor: Redactor, sinks: LogSink[] = [], format: LogFormat = 'json'): Logger {
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const time = new Date().toISOString();
    let line = redactor.text(JSON.stringify({ time, level: lvl, msg, ...(fields ?? {}) }));
    // Masked first, then cut: a line carrying a huge input (a 5 MB slug) stays one short, valid JSON line.
    if (line.length > MAX_LINE) line = JSON.stringify({ time, level: lvl, msg: cut(redactor.text(msg), 500), line_cut: { chars: line.length, start: cut(line, MAX_LINE / 2) } });
    if (format === 'json') process.stderr.write(line + '\n');
    else {
      // On a terminal the line a progress bar is drawing is cleared first: the bar draws itself again below.
      const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
      process.stderr.write(`${clear}${forTerminal(cut(redactor.text(textLine(lvl, msg, fields)), MAX_LINE))}\n`);
    }
    for (const sink of sinks) sink(lvl, line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
