import { fail, type PublicApiAnswer } from './answers.js';
import { appVersionsOf, BUCKET_MS, bucketCount, hourCount, portion, streamsOf, type Granularity, type Stream } from './traffic.js';

/**
 * Time series over the sandbox's traffic: the query parts the metric operations share (window,
 * granularity, list-valued parameters) and the grouping of counts into result rows.
 */

const GRANULARITIES = ['DAY', 'HOUR', 'MINUTE'] as const;
/** The widest window the sandbox answers, per granularity (keeps answers and work small). */
const MAX_MS: Record<Granularity, number> = { DAY: 92 * BUCKET_MS.DAY, HOUR: 92 * BUCKET_MS.DAY, MINUTE: BUCKET_MS.DAY };

export interface Window {
  granularity: Granularity;
  start: number;
  end: number;
}

export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Every value of a list parameter: `a=x&a=y`, `a[]=x`, `a[0]=x`, `a.0=x`, and `a=x,y`. */
export function listParam(query: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  const esc = name.replace(/[.[\]]/g, '\\$&');
  const key = new RegExp(`^${esc}(\\[\\d*\\]|\\.\\d+)?$`);
  for (const [k, v] of query) if (key.test(k)) out.push(...v.split(',').map((x) => x.trim()).filter(Boolean));
  return out;
}

/** The window of a request: granularity, startTime inclusive, endTime exclusive, bucket-aligned. */
export function readWindow(query: URLSearchParams, defaults?: { granularity: Granularity; days: number }): Window | PublicApiAnswer {
  const g = query.get('granularity') ?? defaults?.granularity;
  if (!g) return fail(422, 'validation', 'granularity is required: DAY, HOUR or MINUTE.', { field: 'granularity' });
  if (!(GRANULARITIES as readonly string[]).includes(g)) return fail(422, 'validation', `granularity must be DAY, HOUR or MINUTE, not ${g}.`, { field: 'granularity' });
  const granularity = g as Granularity;
  const step = BUCKET_MS[granularity];
  const times: Record<'startTime' | 'endTime', number> = { startTime: NaN, endTime: NaN };
  for (const field of ['startTime', 'endTime'] as const) {
    const raw = query.get(field);
    if (raw === null && defaults) {
      // No window given: the last whole days before today (UTC), the same all day long.
      const today = Math.floor(Date.now() / BUCKET_MS.DAY) * BUCKET_MS.DAY;
      times[field] = field === 'endTime' ? today : today - defaults.days * BUCKET_MS.DAY;
      continue;
    }
    if (raw === null) return fail(422, 'validation', `${field} is required: an ISO 8601 time such as 2026-11-01T00:00:00Z.`, { field });
    const ms = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(ms)) return fail(422, 'validation', `${field} must be an ISO 8601 time such as 2026-11-01T00:00:00Z, not ${JSON.stringify(raw)}.`, { field });
    times[field] = ms;
  }
  const start = Math.floor(times.startTime / step) * step;
  const end = times.endTime;
  if (end <= times.startTime) return fail(422, 'validation', 'endTime must be later than startTime (startTime is inclusive, endTime is not).', { field: 'endTime' });
  if (end - start > MAX_MS[granularity]) {
    const most = granularity === 'MINUTE' ? '24 hours at MINUTE granularity' : `92 days at ${granularity} granularity`;
    return fail(422, 'validation', `The window is too long: the sandbox answers at most ${most}. Narrow startTime..endTime${granularity === 'MINUTE' ? ' or choose HOUR' : ''}.`, { field: 'endTime' });
  }
  return { granularity, start, end };
}

export function buckets(w: Window): number[] {
  const out: number[] = [];
  for (let t = w.start; t < w.end; t += BUCKET_MS[w.granularity]) out.push(t);
  return out;
}

/**
 * A slice of a stream: one app version and/or one discard reason, as a fraction of the stream.
 * Counts are taken hour by hour, so a DAY bucket is exactly the sum of its HOUR buckets.
 */
export interface Atom {
  stream: Stream;
  appVersion?: string;
  discardReason?: string;
  fraction: number;
}

/** The streams of some sources, split by app version only when the question is about versions. */
export function atomsOf(sourceIds: string[], byVersion: boolean): Atom[] {
  const out: Atom[] = [];
  for (const id of sourceIds) {
    const versions = appVersionsOf(id);
    for (const stream of streamsOf(id)) {
      if (!byVersion || !versions.length) out.push({ stream, fraction: 1 });
      else for (const [appVersion, share] of versions) out.push({ stream, appVersion, fraction: share });
    }
  }
  return out;
}

function atomCount(a: Atom, start: number, g: Granularity): number {
  if (a.fraction === 1) return bucketCount(a.stream, start, g);
  const key = `${a.stream.sourceId}|${a.stream.eventName}|${a.appVersion ?? ''}|${a.discardReason ?? ''}`;
  if (g !== 'DAY') return portion(bucketCount(a.stream, start, g), a.fraction, `${key}|${start}`);
  let sum = 0;
  for (let h = 0; h < 24; h++) {
    const hour = start + h * BUCKET_MS.HOUR;
    sum += portion(hourCount(a.stream, hour), a.fraction, `${key}|${hour}`);
  }
  return sum;
}

export type Dimension = 'eventName' | 'eventType' | 'source' | 'appVersion' | 'discardReason';

export interface Row {
  key: Partial<Record<Dimension, string>>;
  total: number;
  series: { time: string; count: number }[];
}

/** Counts of the atoms grouped by the dimensions asked for, busiest first (then by name). */
export function group(atoms: Atom[], dims: Dimension[], w: Window): Row[] {
  const rows = new Map<string, { key: Row['key']; counts: number[] }>();
  const times = buckets(w);
  for (const a of atoms) {
    const key: Row['key'] = {};
    for (const d of dims) {
      const v = d === 'source' ? a.stream.sourceId : d === 'eventName' ? a.stream.eventName : d === 'eventType' ? a.stream.eventType : a[d];
      if (v !== undefined) key[d] = v;
    }
    const id = JSON.stringify(key);
    const row = rows.get(id) ?? { key, counts: times.map(() => 0) };
    rows.set(id, row);
    times.forEach((t, i) => (row.counts[i]! += atomCount(a, t, w.granularity)));
  }
  return [...rows.values()]
    .map(({ key, counts }) => ({ key, total: counts.reduce((x, y) => x + y, 0), series: times.map((t, i) => ({ time: iso(t), count: counts[i]! })) }))
    .sort((a, b) => b.total - a.total || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
}

/** The groupBy values of a request, each one of `allowed`, or a 422 naming the field. */
export function readGroupBy(query: URLSearchParams, allowed: readonly Dimension[]): Dimension[] | PublicApiAnswer {
  const dims = listParam(query, 'groupBy');
  const bad = dims.find((d) => !(allowed as readonly string[]).includes(d));
  if (bad) return fail(422, 'validation', `groupBy ${JSON.stringify(bad)} is not one of ${allowed.join(', ')}.`, { field: 'groupBy' });
  return [...new Set(dims)] as Dimension[];
}

/** Keep the atoms whose values are among those asked for (an empty list keeps everything). */
export function keep(atoms: Atom[], dim: Dimension, values: string[]): Atom[] {
  if (!values.length) return atoms;
  return atoms.filter((a) => {
    const v = dim === 'source' ? a.stream.sourceId : dim === 'eventName' ? a.stream.eventName : dim === 'eventType' ? a.stream.eventType : a[dim];
    return v !== undefined && values.includes(v);
  });
}
