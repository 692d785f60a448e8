import { resultView } from './connect-page.js';
import { ConnectPortal, type WaitOutcome } from './connect-server.js';
import { StoreConnectionService, type ServiceDeps } from './service.js';
import type { ConnectOutcome, ConnectionStatus, DisconnectOutcome, OpenLink } from './types.js';

/**
 * The connect portal on top of the connection service: one-time links to a local page where a
 * person enters credentials (connect-server.ts), which arrive through the service's submit. While
 * a link is open its connection reads INITIATED; disconnecting withdraws it.
 */
export class PortalConnectionService extends StoreConnectionService {
  readonly portal: ConnectPortal;

  constructor(deps: ServiceDeps) {
    super(deps);
    this.portal = new ConnectPortal({
      submit: async (name, input) => {
        const r = await this.submit(name, input);
        return r.ok ? { ok: true, view: resultView(r.status) } : r;
      },
      describe: (name) => {
        const r = this.state.resolve(name);
        return { region: r.region, stored: { writeKey: !!r.secrets.writeKey, token: !!r.secrets.token } };
      },
    });
  }

  async connect(opts: { connection?: string; onComplete?: () => void } = {}): Promise<ConnectOutcome> {
    const name = this.nameOf(opts.connection);
    if (this.envManaged(name)) {
      return {
        ok: false,
        status: this.build(this.state.resolve(name)),
        message: `The "${name}" connection comes from environment variables (SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN), which take precedence over stored credentials, so a connect page would change nothing.`,
        hint: 'The operator changes those variables in the MCP client\'s configuration and restarts segment-router, or removes them to use stored connections.',
      };
    }
    const link = await this.portal.open(name, opts.onComplete);
    return { ok: true, status: this.build(this.state.resolve(name)), elicitationId: link.id, url: link.url };
  }

  /** Waits (bounded) for a person to finish the open connect link; answers how it ended and the new status. */
  async waitForConnect(opts: { connection?: string; timeoutMs: number; signal?: AbortSignal }): Promise<{ outcome: WaitOutcome; status: ConnectionStatus }> {
    const name = this.nameOf(opts.connection);
    const outcome = await this.portal.wait(name, opts.timeoutMs, opts.signal);
    return { outcome, status: await this.status({ connection: name }) };
  }

  /** Withdraws an open connect link (the user declined it). */
  cancelConnect(connection?: string): void {
    this.portal.cancel(this.nameOf(connection));
  }

  override async disconnect(connection?: string): Promise<DisconnectOutcome> {
    this.portal.cancel(this.nameOf(connection));
    return super.disconnect(connection);
  }

  override async close(): Promise<void> {
    await this.portal.close();
    await super.close();
  }

  protected override linkFor(name: string): OpenLink | undefined {
    return this.portal.pending(name);
  }
}
