import type { Region, RuntimeConfig } from '../../config/runtime.js';
import type { HttpClient } from '../../http/client.js';
import type { LoadedPlan, PlanLookup, PlanRule, PlanTarget, RuleType } from '../../quality/types.js';
import { RULE_TYPES } from '../../quality/types.js';
import type { SendOutcome } from '../../registry/types.js';
import type { Logger } from '../../util/log.js';
import { operationIndex, operationInput } from './catalog.js';
import { prepareOperation } from './request.js';
import { sendOperation } from './send.js';

/**
 * Finds the tracking plan of a connection through the Public API, with the same request builder
 * and retry policy as every Public API tool: the source (named, or the one whose write keys hold
 * the connection's key), its `trackingPlanId`, the plan's name and all its rules.
 */

export interface PlanLoaderDeps {
  config: RuntimeConfig;
  http: HttpClient;
  log: Logger;
}

type Data = Record<string, unknown>;
type Step = { ok: true; data: Data } | { ok: false; lookup: PlanLookup };

/** Statuses that say the setup is wrong (try again after the TTL); anything else may pass soon. */
const DEFINITE = new Set([401, 403, 404, 422]);

async function call(deps: PlanLoaderDeps, target: PlanTarget, operationId: string, args: Data, signal?: AbortSignal): Promise<Step> {
  const entry = operationIndex().operations.find((o) => o.operationId === operationId);
  if (!entry) throw new Error(`no generated operation ${operationId}`);
  // A background load should give up in seconds, not ride out a long outage.
  const config = { ...deps.config, retry: { ...deps.config.retry, maxRetries: Math.min(2, deps.config.retry.maxRetries) } };
  const credentials = { token: target.token, region: target.region as Region };
  const prepared = prepareOperation(entry, operationInput(operationId).plan, args, { config, credentials });
  const outcome: SendOutcome = await sendOperation(prepared, { config, credentials, http: deps.http, log: deps.log, signal });
  if (outcome.ok) return { ok: true, data: (outcome.data ?? {}) as Data };
  const status = outcome.status;
  const what = status ? `HTTP ${status}` : (outcome.error?.message ?? 'no answer');
  return { ok: false, lookup: { ok: false, reason: `${entry.slug} failed (${what})`, transient: !status || !DEFINITE.has(status) } };
}

async function sourceOfWriteKey(deps: PlanLoaderDeps, target: PlanTarget, signal?: AbortSignal): Promise<Step> {
  const listed = await call(deps, target, 'listSources', { all_pages: true, pagination: { count: 1000 } }, signal);
  if (!listed.ok) return listed;
  const sources = (listed.data.sources ?? []) as Data[];
  const match = sources.find((s) => Array.isArray(s.writeKeys) && (s.writeKeys as unknown[]).includes(target.writeKey));
  if (match) return { ok: true, data: match };
  const seesKeys = sources.some((s) => Array.isArray(s.writeKeys));
  const reason = seesKeys
    ? 'no source of the token\'s workspace has the write key, so its tracking plan is unknown'
    : 'the token cannot see the sources\' write keys (it needs Source Admin access); name the source with source_id';
  return { ok: false, lookup: { ok: false, reason } };
}

function asRule(raw: Data): PlanRule | undefined {
  if (!RULE_TYPES.includes(raw.type as RuleType) || typeof raw.version !== 'number') return undefined;
  return {
    type: raw.type as RuleType,
    ...(typeof raw.key === 'string' && raw.key ? { key: raw.key } : {}),
    jsonSchema: raw.jsonSchema,
    version: raw.version,
    ...(typeof raw.deprecatedAt === 'string' && raw.deprecatedAt ? { deprecatedAt: raw.deprecatedAt } : {}),
  };
}

/** The plan loader the data-quality checks are given (src/quality never calls the API itself). */
export function trackingPlanLoader(deps: PlanLoaderDeps) {
  return async (target: PlanTarget, signal?: AbortSignal): Promise<PlanLookup> => {
    if (!target.token) return { ok: false, reason: 'no Public API token is configured, and the tracking plan is read through the Public API' };
    let sourceId = target.sourceId;
    if (!sourceId) {
      if (!target.writeKey) return { ok: false, reason: 'no write key or source_id to find the source whose plan applies' };
      const found = await sourceOfWriteKey(deps, target, signal);
      if (!found.ok) return found.lookup;
      sourceId = String(found.data.id);
    }
    const got = await call(deps, target, 'getSource', { sourceId }, signal);
    if (!got.ok) return got.lookup;
    const planId = got.data.trackingPlanId;
    const sourceName = String((got.data.source as Data | undefined)?.name ?? sourceId);
    if (typeof planId !== 'string' || !planId) return { ok: false, reason: `the source "${sourceName}" (${sourceId}) has no tracking plan connected`, noPlan: true };

    const [plan, rules] = await Promise.all([
      call(deps, target, 'getTrackingPlan', { trackingPlanId: planId }, signal),
      call(deps, target, 'listRulesFromTrackingPlan', { trackingPlanId: planId, all_pages: true, pagination: { count: 1000 } }, signal),
    ]);
    if (!rules.ok) return rules.lookup;
    const list = ((rules.data.rules ?? []) as Data[]).map(asRule).filter((r): r is PlanRule => !!r);
    const name = plan.ok ? ((plan.data.trackingPlan as Data | undefined)?.name as string | undefined) : undefined;
    const loaded: LoadedPlan = { id: planId, ...(name ? { name } : {}), sourceId, rules: list };
    deps.log.debug('tracking plan loaded', { plan: planId, source: sourceId, rules: list.length });
    return { ok: true, plan: loaded };
  };
}
