import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../../src/app.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import { TOKEN, WRITE_KEY } from '../../helpers/router.js';

/** Environment for an in-process App against a sandbox: fast retries, a fresh config home, silent logs. */
export function inProcessEnv(sb: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-rel-')),
    SEGMENT_TRACKING_API_URL: sb.url,
    SEGMENT_PUBLIC_API_URL: sb.url,
    SEGMENT_WRITE_KEY: WRITE_KEY,
    SEGMENT_PUBLIC_API_TOKEN: TOKEN,
    SEGMENT_ROUTER_RETRY_BASE_MS: '5',
    SEGMENT_ROUTER_MIN_RETRY_AFTER_MS: '0',
    SEGMENT_ROUTER_TIMEOUT_MS: '2000',
    SEGMENT_ROUTER_LOG_LEVEL: 'silent',
    ...extra,
  };
}

export async function appWithSandbox(opts: AppOptions & { envExtra?: Record<string, string> } = {}): Promise<{ app: App; sandbox: Sandbox; close(): Promise<void> }> {
  const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  const app = createApp({ ...opts, env: inProcessEnv(sandbox, opts.envExtra) });
  return {
    app,
    sandbox,
    close: async () => {
      await app.close();
      await sandbox.close();
    },
  };
}

/** Requests that could change something: anything but the token check (GET /) the connection makes. */
export const writesSeen = (sb: Sandbox) => sb.requests.filter((r) => !(r.method === 'GET' && r.path === '/'));
