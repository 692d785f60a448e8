import { startSandbox } from '../sandbox/server.js';
import { forTerminal } from '../util/printable.js';
import { portTaken, UsageError, type CommandSpec } from './common.js';

/** The sandbox's own credentials: fakes that it accepts, printed on purpose so people can copy them. */
const SANDBOX_WRITE_KEY = 'sandbox-write-key';
const SANDBOX_TOKEN = 'sandbox-token';
const DEFAULT_PORT = 4010;

function portFrom(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${raw}".`);
  return n;
}

export const sandboxCommand: CommandSpec = {
  name: 'sandbox',
  summary: 'Run a local Segment-compatible endpoint that records and shows what it receives.',
  exitCodes: '1 it could not start (a port in use), 2 usage error; it runs until stopped (Ctrl-C)',
  usage: 'segment-router sandbox [--port N] [--json]',
  options: {
    port: { type: 'string', description: `Port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one).` },
    json: { type: 'boolean', description: 'Print one JSON object per line (where it listens, then each event) instead of text.' },
  },
  async run({ values }) {
    const json = values.json === true;
    // Event names come from whoever posts to it: made safe for the terminal.
    const out = (text: string, obj: unknown) => process.stdout.write((json ? JSON.stringify(obj) : forTerminal(text)) + '\n');
    const port = portFrom(values.port);
    const sandbox = await startSandbox({
      port,
      host: '127.0.0.1', // people's data may go here: never off this machine
      tokens: [SANDBOX_TOKEN],
      writeKeys: [SANDBOX_WRITE_KEY],
      onLine: (line) => out(line, { type: 'event', line }),
      onRequest: (r) => {
        // Tracking events have their own lines; Public API calls and refused requests get one here.
        if (r.path.startsWith('/v1/') && r.status === 200) return;
        const line = `${r.time} ${r.method} ${r.path}${r.query} -> ${r.status}`;
        out(line, { type: 'request', line, method: r.method, path: r.path, status: r.status });
      },
    }).catch((err: unknown) => {
      throw portTaken(err, '127.0.0.1', port);
    });
    const env = {
      SEGMENT_TRACKING_API_URL: sandbox.url,
      SEGMENT_PUBLIC_API_URL: sandbox.url,
      SEGMENT_WRITE_KEY: SANDBOX_WRITE_KEY,
      SEGMENT_PUBLIC_API_TOKEN: SANDBOX_TOKEN,
    };
    if (json) out('', { type: 'listening', url: sandbox.url, env, events: `${sandbox.url}/_sandbox/events` });
    else {
      process.stdout.write(
        [
          `Segment sandbox listening on ${sandbox.url} (Tracking API and Public API; nothing leaves this machine).`,
          '',
          'Point segment-router at it:',
          ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
          '',
          `What it received: curl ${sandbox.url}/_sandbox/events   (requests: /_sandbox/requests)`,
          'Events as they arrive (Ctrl-C to stop):',
          '',
        ].join('\n'),
      );
    }
    const stop = () => void sandbox.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return undefined;
  },
};
