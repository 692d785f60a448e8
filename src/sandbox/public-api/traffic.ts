/**
 * The sandbox workspace's traffic: how many events each source receives, hour by hour, and what
 * becomes of them on the way to each destination. Every count is a pure function of the source, the
 * event and the hour (a hash, no clock, no state), so the same question always gets the same answer
 * and a day is exactly the sum of its hours, an hour exactly the sum of its minutes.
 */

export type Granularity = 'DAY' | 'HOUR' | 'MINUTE';
export const BUCKET_MS: Record<Granularity, number> = { DAY: 86_400_000, HOUR: 3_600_000, MINUTE: 60_000 };

/** One kind of event a source sends: its share of the source's daily volume. */
export interface Stream {
  sourceId: string;
  eventName: string;
  eventType: 'track' | 'page' | 'screen' | 'identify' | 'group';
  share: number;
}

interface SourceTraffic {
  perDay: number;
  /** Hourly shape over the UTC day (relative weights); a nightly sync has a single spike. */
  shape: readonly number[];
  weekend: number;
  events: readonly [string, Stream['eventType'], number][];
  /** App versions of a mobile source and their shares of its events. */
  appVersions?: readonly [string, number][];
}

// People are awake from ~13:00 to ~04:00 UTC (the Americas and Europe): a day-shaped curve.
const PEOPLE = [5, 4, 3, 2.2, 1.6, 1.2, 1.1, 1.3, 2, 3, 4, 5, 6, 7, 7.6, 8, 8.2, 8, 7.6, 7.2, 7, 6.8, 6.4, 5.8];
const NIGHTLY_SYNC = PEOPLE.map((_, h) => (h === 2 ? 20 : h === 3 ? 4 : 0.05));

const TRAFFIC: Record<string, SourceTraffic> = {
  src_web: {
    perDay: 184_000,
    shape: PEOPLE,
    weekend: 0.72,
    events: [
      ['Page Viewed', 'page', 0.52],
      ['Product Viewed', 'track', 0.18],
      ['Product Added', 'track', 0.07],
      ['Checkout Started', 'track', 0.03],
      ['Order Completed', 'track', 0.012],
      ['Signed Up', 'track', 0.008],
      ['identify', 'identify', 0.16],
    ],
  },
  src_ios: {
    perDay: 96_500,
    shape: PEOPLE,
    weekend: 1.18,
    events: [
      ['Application Opened', 'track', 0.14],
      ['Screen Viewed', 'screen', 0.47],
      ['Product Viewed', 'track', 0.2],
      ['Product Added', 'track', 0.06],
      ['Order Completed', 'track', 0.015],
      ['identify', 'identify', 0.115],
    ],
    appVersions: [['5.3.1', 0.71], ['5.2.0', 0.24], ['5.1.4', 0.05]],
  },
  src_android: {
    perDay: 71_200,
    shape: PEOPLE,
    weekend: 1.12,
    events: [
      ['Application Opened', 'track', 0.15],
      ['Screen Viewed', 'screen', 0.45],
      ['Product Viewed', 'track', 0.21],
      ['Product Added', 'track', 0.055],
      ['Order Completed', 'track', 0.013],
      ['identify', 'identify', 0.122],
    ],
    appVersions: [['5.3.0', 0.64], ['5.2.2', 0.29], ['4.9.8', 0.07]],
  },
  src_server: {
    perDay: 38_400,
    shape: PEOPLE.map((w) => 2 + w),
    weekend: 0.85,
    events: [
      ['Order Completed', 'track', 0.21],
      ['Payment Succeeded', 'track', 0.2],
      ['Payment Failed', 'track', 0.012],
      ['Subscription Renewed', 'track', 0.09],
      ['Email Sent', 'track', 0.328],
      ['identify', 'identify', 0.1],
      ['group', 'group', 0.05],
    ],
  },
  src_warehouse: {
    perDay: 12_600,
    shape: NIGHTLY_SYNC,
    weekend: 1,
    events: [
      ['identify', 'identify', 0.78],
      ['group', 'group', 0.22],
    ],
  },
};

export const trafficSourceIds = () => Object.keys(TRAFFIC);

export function streamsOf(sourceId: string): Stream[] {
  return (TRAFFIC[sourceId]?.events ?? []).map(([eventName, eventType, share]) => ({ sourceId, eventName, eventType, share }));
}

export function appVersionsOf(sourceId: string): readonly [string, number][] {
  return TRAFFIC[sourceId]?.appVersions ?? [];
}

/** A number in [0, 1) from a string: FNV-1a, then a final mix so neighbouring keys differ. */
export function unit(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

// Slow growth from the start of 2025, so a long window slopes gently upwards.
const GROWTH_FROM = Date.UTC(2025, 0, 1);

/** Events of one stream received in the hour starting at `hourStart` (ms, aligned). */
export function hourCount(stream: Stream, hourStart: number): number {
  const t = TRAFFIC[stream.sourceId];
  if (!t) return 0;
  const d = new Date(hourStart);
  const weekday = d.getUTCDay();
  const dayFactor = weekday === 0 || weekday === 6 ? t.weekend : 1;
  const shapeSum = t.shape.reduce((a, b) => a + b, 0);
  const growth = 1 + Math.max(0, hourStart - GROWTH_FROM) / (365 * 86_400_000) * 0.18;
  const noise = 0.85 + 0.3 * unit(`${stream.sourceId}|${stream.eventName}|${hourStart}`);
  return Math.round(t.perDay * stream.share * (t.shape[d.getUTCHours()]! / shapeSum) * dayFactor * growth * noise);
}

/** Events of one stream in one bucket: a day sums its hours; an hour is split over its minutes. */
export function bucketCount(stream: Stream, start: number, granularity: Granularity): number {
  if (granularity === 'HOUR') return hourCount(stream, start);
  if (granularity === 'DAY') {
    let sum = 0;
    for (let h = 0; h < 24; h++) sum += hourCount(stream, start + h * BUCKET_MS.HOUR);
    return sum;
  }
  const hourStart = start - (start % BUCKET_MS.HOUR);
  return minuteShares(stream, hourStart, hourCount(stream, hourStart))[(start - hourStart) / BUCKET_MS.MINUTE]!;
}

/** An hour's count spread over 60 minutes by hashed weights, remainders to the first minutes. */
function minuteShares(stream: Stream, hourStart: number, total: number): number[] {
  const weights = Array.from({ length: 60 }, (_, m) => 0.7 + 0.6 * unit(`${stream.sourceId}|${stream.eventName}|${hourStart}|${m}`));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let m = 0; rest > 0; m = (m + 1) % 60, rest--) counts[m]!++;
  return counts;
}

/** A fraction of a count, rounded the same way every time for the same key. */
export function portion(count: number, fraction: number, key: string): number {
  const exact = count * fraction;
  return Math.floor(exact) + (unit(key) < exact - Math.floor(exact) ? 1 : 0);
}
