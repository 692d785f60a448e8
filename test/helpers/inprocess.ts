import { createApp, type App, type AppOptions } from '../../src/app.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxEnv, TOKEN, WRITE_KEY } from './router.js';

/** Environment for an in-process App against a sandbox: the stdio tests' settings, with silent logs. */
export function inProcessEnv(sb: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'silent', ...extra });
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

/** Requests that could change something: anything but reads (the token check, the tracking plan's background load). */
export const writesSeen = (sb: Sandbox) => sb.requests.filter((r) => r.method !== 'GET');
