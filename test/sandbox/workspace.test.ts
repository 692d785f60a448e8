import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { seedStore } from '../../src/sandbox/public-api/store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

/**
 * The sandbox looks like a workspace worth reading: several kinds of sources, destinations with
 * settings (some disabled), event volumes over time and delivery metrics that agree with each
 * other, the same answer for the same question.
 */
const TOKEN = 'sgp_sandbox_workspace_token_01';
let sandbox: Sandbox;
let app: App;

beforeAll(async () => {
  sandbox = await startSandbox({ tokens: [TOKEN] });
  app = createApp({ write: 'allow', allowDestructive: true, logLevel: 'silent', env: { SEGMENT_PUBLIC_API_TOKEN: TOKEN, SEGMENT_PUBLIC_API_URL: sandbox.url } });
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});
beforeEach(() => {
  Object.assign(sandbox.publicApi, seedStore(['sandbox-write-key']));
});

type Series = { time: string; count: number }[];
interface VolumeRow {
  source?: { id: string; name: string };
  eventName?: string;
  eventType?: string;
  total: number;
  series: Series;
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sandbox.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
}

async function volume(query: string): Promise<VolumeRow[]> {
  const r = await get(`/events/volume?${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.data.result;
}

const WEEK = 'startTime=2026-11-02T00:00:00Z&endTime=2026-11-09T00:00:00Z'; // Monday to Monday
const sum = (s: Series) => s.reduce((t, p) => t + p.count, 0);

describe('sandbox workspace', () => {
  it('has web, iOS, Android, server and warehouse sources, and destinations with settings, some disabled', async () => {
    const sources = (await get('/sources')).body.data.sources as { id: string; metadata: { categories: string[] }; labels: unknown[] }[];
    expect(sources.map((s) => s.metadata.categories[0])).toEqual(['Website', 'Mobile', 'Server', 'Mobile', 'Warehouse']);
    expect(sources.every((s) => s.labels.length > 0)).toBe(true);
    const destinations = (await get('/destinations')).body.data.destinations as { enabled: boolean; settings: Record<string, unknown>; sourceId: string }[];
    expect(destinations.length).toBeGreaterThanOrEqual(5);
    expect(destinations.filter((d) => !d.enabled).length).toBeGreaterThanOrEqual(1);
    expect(destinations.filter((d) => d.enabled).length).toBeGreaterThanOrEqual(3);
    expect(destinations.every((d) => Object.keys(d.settings).length >= 2)).toBe(true);
    expect(new Set(destinations.map((d) => d.sourceId)).size).toBeGreaterThanOrEqual(4);
  });

  it('answers event volumes over time: the same each time, days the sum of their hours, hours of their minutes', async () => {
    const [week] = await volume(`granularity=DAY&${WEEK}`);
    expect(week!.series.map((p) => p.time)).toEqual(Array.from({ length: 7 }, (_, i) => `2026-11-0${2 + i}T00:00:00Z`));
    expect(week!.total).toBe(sum(week!.series));
    expect(await volume(`granularity=DAY&${WEEK}`)).toEqual([week]);
    // Real-looking: hundreds of thousands a day, not all days alike.
    expect(Math.min(...week!.series.map((p) => p.count))).toBeGreaterThan(100_000);
    expect(new Set(week!.series.map((p) => p.count)).size).toBe(7);

    const [hours] = await volume('granularity=HOUR&startTime=2026-11-03T00:00:00Z&endTime=2026-11-04T00:00:00Z');
    expect(hours!.series).toHaveLength(24);
    expect(sum(hours!.series)).toBe(week!.series[1]!.count);
    const [minutes] = await volume('granularity=MINUTE&startTime=2026-11-03T15:00:00Z&endTime=2026-11-03T16:00:00Z');
    expect(minutes!.series).toHaveLength(60);
    expect(sum(minutes!.series)).toBe(hours!.series[15]!.count);
    // People sleep: the busiest hour is well above the quietest.
    const counts = hours!.series.map((p) => p.count);
    expect(Math.max(...counts)).toBeGreaterThan(3 * Math.min(...counts));
  });

  it('groups and filters by source, event name and type; groups add up to the whole', async () => {
    const [all] = await volume(`granularity=DAY&${WEEK}`);
    const bySource = await volume(`granularity=DAY&${WEEK}&groupBy=source`);
    expect(bySource.map((r) => r.source!.id).sort()).toEqual(['src_android', 'src_ios', 'src_server', 'src_warehouse', 'src_web']);
    expect(bySource.reduce((t, r) => t + r.total, 0)).toBe(all!.total);
    // The website is busier on weekdays, the apps at the weekend.
    const web = bySource.find((r) => r.source!.id === 'src_web')!.series;
    const ios = bySource.find((r) => r.source!.id === 'src_ios')!.series;
    expect(web[5]!.count).toBeLessThan(web[2]!.count);
    expect(ios[5]!.count).toBeGreaterThan(ios[2]!.count);

    const ordersByType = await volume(`granularity=DAY&${WEEK}&groupBy=eventName&groupBy=eventType&eventName=Order%20Completed`);
    expect(ordersByType).toHaveLength(1);
    expect(ordersByType[0]).toMatchObject({ eventName: 'Order Completed', eventType: 'track' });
    const ordersBySource = await volume(`granularity=DAY&${WEEK}&groupBy=source&eventName=Order%20Completed`);
    expect(ordersBySource.map((r) => r.source!.name).sort()).toEqual(['Android App', 'Backend', 'Website', 'iOS App']);
    expect(ordersBySource.reduce((t, r) => t + r.total, 0)).toBe(ordersByType[0]!.total);

    const iosOnly = await volume(`granularity=DAY&${WEEK}&groupBy=source&sourceId=src_ios`);
    expect(iosOnly.map((r) => r.source!.id)).toEqual(['src_ios']);
    const latest = await volume(`granularity=DAY&${WEEK}&sourceId=src_ios&appVersion=5.3.1`);
    expect(latest[0]!.total).toBeGreaterThan(0.6 * iosOnly[0]!.total);
    expect(latest[0]!.total).toBeLessThan(0.8 * iosOnly[0]!.total);
  });

  it('refuses bad windows and dimensions with a 422 naming the field', async () => {
    const cases: [string, string, RegExp][] = [
      [`${WEEK}`, 'granularity', /required/],
      [`granularity=WEEK&${WEEK}`, 'granularity', /DAY, HOUR or MINUTE/],
      ['granularity=DAY&startTime=yesterday&endTime=2026-11-09T00:00:00Z', 'startTime', /ISO 8601/],
      ['granularity=DAY&startTime=2026-11-09T00:00:00Z&endTime=2026-11-02T00:00:00Z', 'endTime', /later than startTime/],
      ['granularity=MINUTE&startTime=2026-11-02T00:00:00Z&endTime=2026-11-04T00:00:00Z', 'endTime', /at most 24 hours/],
      [`granularity=DAY&${WEEK}&groupBy=country`, 'groupBy', /eventName, eventType, source/],
    ];
    for (const [query, field, message] of cases) {
      const r = await get(`/events/volume?${query}`);
      expect(r.status, query).toBe(422);
      expect(r.body.errors[0].field, query).toBe(field);
      expect(r.body.errors[0].message, query).toMatch(message);
    }
  });

  it("answers a destination's delivery summary; a disabled one delivers nothing", async () => {
    const window = 'startTime=2026-11-02T00:00:00Z&endTime=2026-11-09T00:00:00Z';
    const webhooks = await get(`/destinations/dst_webhook/delivery-metrics?sourceId=src_server&${window}`);
    const metrics = webhooks.body.data.deliveryMetricsSummary.metrics as { metricName: string; total: number; breakdown: { metricName: string; value: number }[] }[];
    const named = Object.fromEntries(metrics.map((m) => [m.metricName, m]));
    const [server] = await volume(`granularity=DAY&${WEEK}&sourceId=src_server`);
    expect(named.successes!.total).toBeGreaterThan(0.9 * server!.total);
    expect(named.successes!.total + named.discarded!.total).toBeLessThanOrEqual(server!.total);
    expect(named.discarded!.total).toBeGreaterThan(0);
    expect(named.discarded!.breakdown.reduce((t, b) => t + b.value, 0)).toBe(named.discarded!.total);
    expect(named.successes!.breakdown.reduce((t, b) => t + b.value, 0)).toBe(named.successes!.total);

    const ga4 = await get(`/destinations/dst_ga4/delivery-metrics?sourceId=src_web&${window}`);
    expect(ga4.body.data.deliveryMetricsSummary.metrics.map((m: { total: number }) => m.total)).toEqual([0, 0, 0]);
    const wrongSource = await get(`/destinations/dst_webhook/delivery-metrics?sourceId=src_web&${window}`);
    expect(wrongSource.status).toBe(422);
    expect(wrongSource.body.errors[0].message).toMatch(/receives events from src_server/);
  });

  it('answers the Delivery Overview stages consistently with the event volume', async () => {
    const q = `sourceId=src_web&granularity=DAY&${WEEK}`;
    const received = (await get(`/delivery-overview/successfully-received?${q}`)).body.data;
    const [web] = await volume(`granularity=DAY&${WEEK}&sourceId=src_web`);
    expect(received.total).toBe(web!.total);
    const blocked = (await get(`/delivery-overview/filtered-at-source?${q}&groupBy=discardReason`)).body.data;
    expect(blocked.dataset.map((d: { discardReason: string }) => d.discardReason)).toEqual(['Blocked by tracking plan']);
    const delivered = (await get(`/delivery-overview/successful-delivery?${q}&destinationConfigId=dst_amplitude`)).body.data;
    const failed = (await get(`/delivery-overview/failed-delivery?${q}&destinationConfigId=dst_amplitude&groupBy=discardReason`)).body.data;
    expect(failed.dataset.length).toBeGreaterThan(0);
    expect(delivered.total + failed.total + blocked.total).toBeLessThanOrEqual(received.total);
    expect(delivered.total).toBeGreaterThan(0.95 * received.total);
    expect(delivered.dataset[0].totalRetryCount).toBeGreaterThan(0);
    const onlyOrders = (await get(`/delivery-overview/failed-delivery?${q}&destinationConfigId=dst_amplitude&filter[eventName][0]=Order%20Completed`)).body.data;
    expect(onlyOrders.total).toBeLessThan(failed.total);

    // A source deleted from the sandbox stops counting.
    sandbox.publicApi.sources = sandbox.publicApi.sources.filter((s) => s.id !== 'src_web');
    expect((await get(`/delivery-overview/successfully-received?${q}`)).status).toBe(404);
    const [rest] = await volume(`granularity=DAY&${WEEK}`);
    const [all] = (Object.assign(sandbox.publicApi, seedStore(['sandbox-write-key'])), await volume(`granularity=DAY&${WEEK}`));
    expect(rest!.total).toBe(all!.total - web!.total);
  });

  it('is reachable through the router: array parameters and filters arrive as the sandbox reads them', async () => {
    const r = await app.executor.execute({
      slug: 'SEGMENT_GET_EVENTS_VOLUME_FROM_WORKSPACE',
      arguments: { granularity: 'DAY', startTime: '2026-11-02T00:00:00Z', endTime: '2026-11-09T00:00:00Z', groupBy: ['source', 'eventType'], sourceId: ['src_web', 'src_ios'] },
    });
    expect(r.successful, JSON.stringify(r.error)).toBe(true);
    const rows = (r.data as { result: VolumeRow[] }).result;
    expect(new Set(rows.map((x) => x.source!.id))).toEqual(new Set(['src_web', 'src_ios']));
    expect(rows.some((x) => x.eventType === 'page') && rows.some((x) => x.eventType === 'screen')).toBe(true);
    const overview = await app.executor.execute({
      slug: 'SEGMENT_GET_EGRESS_FAILED_METRICS_FROM_DELIVERY_OVERVIEW',
      arguments: { sourceId: 'src_server', destinationConfigId: 'dst_webhook', granularity: 'DAY', startTime: '2026-11-02T00:00:00Z', endTime: '2026-11-09T00:00:00Z', groupBy: ['discardReason'], filter: { eventType: ['track'] } },
    });
    expect(overview.successful, JSON.stringify(overview.error)).toBe(true);
    expect((overview.data as { dataset: { discardReason: string }[] }).dataset.map((d) => d.discardReason).sort()).toEqual(['Internal server error', 'Request timeout']);
  });
});
