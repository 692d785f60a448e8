import { fail, isAnswer, notFound, ok, paginate, type PublicApiAnswer } from './answers.js';
import {
  DESTINATION_DELIVERY,
  failedDelivery,
  failedOnIngest,
  filteredAtDestination,
  filteredAtSource,
  retriedShare,
  successfulDelivery,
  type DeliveryProfile,
} from './delivery.js';
import { atomsOf, buckets, group, iso, keep, listParam, readGroupBy, readWindow, type Atom, type Dimension, type Row, type Window } from './metrics.js';
import { trafficSourceIds } from './traffic.js';
import type { Obj, PublicApiStore } from './store.js';
import type { Handler, RouteRequest } from './handler.js';

/**
 * The observability reads: event volumes, a destination's delivery summary and the six Delivery
 * Overview stages, computed from the sandbox's traffic model (deterministic for the same query).
 * A source or destination deleted from the sandbox stops counting; a disabled destination gets nothing.
 */

/** Sources that still exist in the sandbox and have traffic. */
const liveSources = (s: PublicApiStore) => trafficSourceIds().filter((id) => s.sources.some((x) => x.id === id));

function sourceRef(s: PublicApiStore, id: string): Obj {
  const src = s.sources.find((x) => x.id === id);
  return { id, name: src?.name ?? id, slug: src?.slug ?? id };
}

function eventVolume(s: PublicApiStore, r: RouteRequest): PublicApiAnswer {
  const w = readWindow(r.query);
  if (isAnswer(w)) return w;
  const dims = readGroupBy(r.query, ['eventName', 'eventType', 'source']);
  if (isAnswer(dims)) return dims;
  const versions = listParam(r.query, 'appVersion');
  let atoms = atomsOf(liveSources(s), versions.length > 0);
  atoms = keep(atoms, 'source', listParam(r.query, 'sourceId'));
  atoms = keep(atoms, 'eventName', listParam(r.query, 'eventName'));
  atoms = keep(atoms, 'eventType', listParam(r.query, 'eventType'));
  atoms = keep(atoms, 'appVersion', versions);
  const rows = group(atoms, dims, w);
  const result = (rows.length ? rows : dims.length ? [] : [emptyRow(w)]).map((row) => {
    const { source, ...rest } = row.key;
    return { ...(source ? { source: sourceRef(s, source) } : {}), ...rest, total: row.total, series: row.series };
  });
  const page = paginate(result, r.query);
  if (isAnswer(page)) return page;
  const query: Obj = { workspaceId: s.workspace.id, granularity: w.granularity, startTime: iso(w.start), endTime: iso(w.end) };
  for (const k of ['groupBy', 'sourceId', 'eventName', 'eventType', 'appVersion']) if (listParam(r.query, k).length) query[k] = listParam(r.query, k);
  return ok({ path: '/events/volume', query, result: page.items, pagination: page.pagination });
}

const emptyRow = (w: Window): Row => ({ key: {}, total: 0, series: buckets(w).map((t) => ({ time: iso(t), count: 0 })) });

function destinationFor(s: PublicApiStore, destinationId: string, sourceId: string | null, field: string): { d: Obj; p: DeliveryProfile } | PublicApiAnswer {
  const d = s.destinations.find((x) => x.id === destinationId);
  if (!d) return notFound('Destination', destinationId);
  if (!sourceId) return fail(422, 'validation', 'sourceId is required: the source whose events this destination receives.', { field: 'sourceId' });
  if (d.sourceId !== sourceId) return fail(422, 'validation', `Destination ${destinationId} receives events from ${String(d.sourceId)}, not ${sourceId}.`, { field });
  const profile = DESTINATION_DELIVERY[destinationId] ?? { filtered: [], failed: [], retried: 0 };
  return { d, p: profile };
}

const sum = (rows: Row[]) => rows.reduce((t, r) => t + r.total, 0);

function deliveryMetrics(s: PublicApiStore, r: RouteRequest): PublicApiAnswer {
  const sourceId = r.query.get('sourceId');
  const found = destinationFor(s, r.params.destinationId!, sourceId, 'sourceId');
  if (isAnswer(found)) return found;
  const w = readWindow(r.query, { granularity: 'DAY', days: 7 });
  if (isAnswer(w)) return w;
  const atoms = found.d.enabled === false || !liveSources(s).includes(sourceId!) ? [] : atomsOf([sourceId!], false);
  const delivered = sum(group(successfulDelivery(atoms, found.p), [], w));
  const retried = Math.round(delivered * retriedShare(found.p));
  const failures = group(failedDelivery(atoms, found.p), ['discardReason'], w);
  const filtered = group(filteredAtDestination(atoms, found.p), ['discardReason'], w);
  const breakdown = (rows: Row[]) => rows.map((row) => ({ metricName: row.key.discardReason!, value: row.total }));
  const meta = found.d.metadata as Obj | undefined;
  return ok({
    deliveryMetricsSummary: {
      sourceId,
      destinationMetadataId: String(meta?.id ?? ''),
      metrics: [
        { metricName: 'successes', total: delivered, breakdown: [{ metricName: 'successOnFirstAttempt', value: delivered - retried }, { metricName: 'successOnRetry', value: retried }] },
        { metricName: 'discarded', total: sum(failures), breakdown: breakdown(failures) },
        { metricName: 'filtered', total: sum(filtered), breakdown: breakdown(filtered) },
      ],
    },
  });
}

/** One Delivery Overview stage: which atoms it counts, and whether it needs a destination. */
function overview(stage: (atoms: Atom[], p: DeliveryProfile) => Atom[], needsDestination: boolean, reasons: boolean): Handler {
  return (s, r) => {
    const sourceId = r.query.get('sourceId');
    if (!sourceId) return fail(422, 'validation', 'sourceId is required.', { field: 'sourceId' });
    if (!s.sources.some((x) => x.id === sourceId)) return notFound('Source', sourceId);
    let profile: DeliveryProfile = { filtered: [], failed: [], retried: 0 };
    let enabled = true;
    if (needsDestination) {
      const destinationId = r.query.get('destinationConfigId');
      if (!destinationId) return fail(422, 'validation', 'destinationConfigId is required: the id of a destination of this source.', { field: 'destinationConfigId' });
      const found = destinationFor(s, destinationId, sourceId, 'destinationConfigId');
      if (isAnswer(found)) return found;
      profile = found.p;
      enabled = found.d.enabled !== false;
    }
    const w = readWindow(r.query);
    if (isAnswer(w)) return w;
    const allowed: Dimension[] = reasons ? ['eventName', 'eventType', 'appVersion', 'discardReason'] : ['eventName', 'eventType', 'appVersion'];
    const dims = readGroupBy(r.query, allowed);
    if (isAnswer(dims)) return dims;
    const filterOf = (k: string) => listParam(r.query, `filter[${k}]`).concat(listParam(r.query, `filter.${k}`));
    const versions = filterOf('appVersion');
    let atoms = enabled && liveSources(s).includes(sourceId) ? atomsOf([sourceId], versions.length > 0 || dims.includes('appVersion')) : [];
    atoms = stage(atoms, profile);
    for (const k of ['eventName', 'eventType', 'appVersion', 'discardReason'] as const) atoms = keep(atoms, k, filterOf(k));
    const rows = group(atoms, dims, w);
    const page = paginate(rows, r.query);
    if (isAnswer(page)) return page;
    const retries = needsDestination && !reasons ? retriedShare(profile) : 0;
    const dataset = page.items.map((row) => {
      if (!retries) return { ...row.key, total: row.total, series: row.series };
      const series = row.series.map((p) => ({ ...p, retryCount: Math.round(p.count * retries) }));
      return { ...row.key, total: row.total, series, totalRetryCount: series.reduce((t, p) => t + p.retryCount, 0) };
    });
    return ok({ total: sum(rows), dataset, pagination: page.pagination });
  };
}

const received = (atoms: Atom[]) => atoms;

export const METRIC_HANDLERS: Record<string, Handler> = {
  'GET /events/volume': eventVolume,
  'GET /destinations/{destinationId}/delivery-metrics': deliveryMetrics,
  'GET /delivery-overview/successfully-received': overview(received, false, false),
  'GET /delivery-overview/failed-on-ingest': overview(failedOnIngest, false, true),
  'GET /delivery-overview/filtered-at-source': overview(filteredAtSource, false, true),
  'GET /delivery-overview/filtered-at-destination': overview(filteredAtDestination, true, true),
  'GET /delivery-overview/failed-delivery': overview(failedDelivery, true, true),
  'GET /delivery-overview/successful-delivery': overview(successfulDelivery, true, false),
};
