import { AuditLog } from './audit/audit-log.js';
import { loadRuntimeConfig, baseUrl, HOSTS, type RuntimeConfig, type RuntimeFlags } from './config/runtime.js';
import { join } from 'node:path';
import { Sealer } from './connections/sealer.js';
import { PortalConnectionService } from './connections/portal.js';
import { CredentialStore, KEY_FILE } from './connections/store.js';
import type { ConnectionService } from './connections/types.js';
import { Executor, type WriteObserver } from './execution/executor.js';
import { createHttpClient, type HttpClient } from './http/client.js';
import { type Registry } from './registry/index.js';
import { loadRegistry } from './inventory.js';
import { ToolSearch } from './search/search.js';
import { Redactor } from './security/redact.js';
import { TrackingQuality } from './quality/checker.js';
import type { PlanTarget } from './quality/types.js';
import { trackingPlanLoader } from './segment/public-api/tracking-plan.js';
import { createLogger, type LogFormat, type Logger, type LogSink } from './util/log.js';
import { Workbench } from './workbench/workbench.js';
import { ResultStore } from './util/result-store.js';
import { nameRewrites } from './quality/naming.js';

/** Everything a surface (MCP server, CLI) needs, built once from the operator's flags and environment. */
export interface App {
  config: RuntimeConfig;
  registry: Registry;
  connections: ConnectionService;
  executor: Executor;
  search: ToolSearch;
  http: HttpClient;
  log: Logger;
  redactor: Redactor;
  audit: AuditLog;
  /** RUN_SCRIPT's sandbox; its engine threads start on first use. */
  workbench: Workbench;
  /** Data-quality checks of tracking calls; the tracking plan is cached and refreshed in the background. */
  quality: TrackingQuality;
  /** Where the active connection's tracking plan is looked up (its credentials and region). */
  planTarget(sourceId?: string): Promise<PlanTarget>;
  /** Whole answers too large to send inline, for resources/read (life of the process). */
  results: ResultStore;
  /** Sends log lines to one more place (the MCP logging channel once a client is connected). */
  addLogSink(sink: LogSink): void;
  close(): Promise<void>;
}

/** How long shutdown waits for running calls to finish (they are cancelled first), so their audit lines are written. */
const SETTLE_MS = 3_000;

export interface AppOptions extends RuntimeFlags {
  toolsets?: string[];
  tools?: string[];
  logSinks?: LogSink[];
  /** How log lines on stderr look (util/log.ts); json unless a command for people says text. */
  logFormat?: LogFormat;
  env?: NodeJS.ProcessEnv;
  onWrite?: WriteObserver;
}

/** The hosts requests may go to: the configured overrides, or Segment's hosts for both regions. */
function allowedOrigins(config: RuntimeConfig): string[] {
  const origins = [baseUrl(config, 'tracking'), baseUrl(config, 'public')];
  if (!config.trackingApiUrl) origins.push(HOSTS.us.tracking, HOSTS.eu.tracking);
  if (!config.publicApiUrl) origins.push(HOSTS.us.publicApi, HOSTS.eu.publicApi);
  return origins;
}

export function createApp(opts: AppOptions = {}): App {
  const env = opts.env ?? process.env;
  const config = loadRuntimeConfig(opts, env);
  const redactor = new Redactor(nameRewrites);
  const sinks: LogSink[] = [...(opts.logSinks ?? [])];
  const log = createLogger(config.logLevel, redactor, sinks, opts.logFormat);
  const http = createHttpClient(allowedOrigins(config));
  // The redactor learns every secret as the service first sees it, including ones added later by connect.
  const store = new CredentialStore(config.home, new Sealer(join(config.home, KEY_FILE), env.SEGMENT_ROUTER_KEY || undefined));
  const connections = new PortalConnectionService({ config, http, store, env, log, onSecret: (s) => redactor.add(s) });
  const all = loadRegistry();
  const registry = all.scope({ toolsets: opts.toolsets, tools: opts.tools });
  const audit = new AuditLog(config.audit, redactor, (m) => log.warn(m));
  const onWrite: WriteObserver = (event) => {
    audit.record(event);
    opts.onWrite?.(event);
  };
  const quality = new TrackingQuality({
    ...config.quality,
    load: trackingPlanLoader({ config, http, log }),
    ttlMs: config.quality.planTtlMs,
    onError: (reason) => log.warn('tracking plan not refreshed', { reason }),
  });
  const planTarget = async (sourceId?: string): Promise<PlanTarget> => {
    const c = await connections.credentials();
    return { region: c.region ?? config.region, writeKey: c.writeKey, token: c.token, ...(sourceId ? { sourceId } : {}) };
  };
  const executor = new Executor({ registry, config, connections, http, log, redactor, onWrite, quality });
  const workbench = new Workbench({ executor, registry, config, log, redactor });
  return {
    config,
    registry,
    connections,
    executor,
    search: new ToolSearch(registry, { language: all.tools, scriptTool: 'RUN_SCRIPT' }),
    http,
    log,
    redactor,
    audit,
    workbench,
    quality,
    planTarget,
    results: new ResultStore(),
    addLogSink: (sink) => void sinks.push(sink),
    close: async () => {
      await workbench.close();
      await executor.settle(SETTLE_MS);
      quality.close();
      await connections.close();
      await http.close();
    },
  };
}
