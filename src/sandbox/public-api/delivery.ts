import type { Atom } from './metrics.js';

/**
 * What becomes of the sandbox's events between source and destination: the share lost at ingest,
 * blocked at the source, filtered at a destination, failed or retried on delivery, each with the
 * reasons Segment's Delivery Overview reports. Shares are fractions of the source's events.
 */

type Reasons = readonly [reason: string, share: number][];

const INGEST_FAILURES: Record<string, Reasons> = {
  src_web: [['Invalid timestamp', 0.0007], ['Payload too large', 0.0001]],
  src_ios: [['Invalid timestamp', 0.0012]],
  src_android: [['Invalid timestamp', 0.0015], ['Invalid JSON', 0.0002]],
  src_server: [['Invalid JSON', 0.0004]],
};

const SOURCE_FILTERS: Record<string, Reasons> = {
  // The website's tracking plan blocks unplanned events.
  src_web: [['Blocked by tracking plan', 0.011]],
  src_android: [['Blocked by source schema', 0.003]],
};

export interface DeliveryProfile {
  /** Event types the destination takes; others are filtered at the destination. */
  types?: readonly string[];
  filtered: Reasons;
  failed: Reasons;
  /** Share of delivered events that needed a retry. */
  retried: number;
}

export const DESTINATION_DELIVERY: Record<string, DeliveryProfile> = {
  dst_amplitude: { filtered: [['Destination filter', 0.004]], failed: [['Bad Request', 0.0009], ['Rate limited', 0.0004]], retried: 0.006 },
  dst_ga4: { types: ['page', 'track'], filtered: [], failed: [['Bad Request', 0.002]], retried: 0.004 },
  dst_mixpanel: { filtered: [], failed: [['Bad Request', 0.0006]], retried: 0.003 },
  dst_braze: { types: ['track', 'identify'], filtered: [['Destination filter', 0.02]], failed: [['Rate limited', 0.0031], ['Unauthorized', 0.0002]], retried: 0.021 },
  dst_webhook: { filtered: [], failed: [['Request timeout', 0.012], ['Internal server error', 0.006]], retried: 0.034 },
  dst_slack: { types: ['track'], filtered: [], failed: [], retried: 0 },
};

const slice = (atoms: Atom[], reasons: Reasons): Atom[] =>
  atoms.flatMap((a) => reasons.map(([discardReason, share]) => ({ ...a, discardReason, fraction: a.fraction * share })));

const total = (reasons: Reasons) => reasons.reduce((s, [, x]) => s + x, 0);

export const failedOnIngest = (atoms: Atom[]) => atoms.flatMap((a) => slice([a], INGEST_FAILURES[a.stream.sourceId] ?? []));
export const filteredAtSource = (atoms: Atom[]) => atoms.flatMap((a) => slice([a], SOURCE_FILTERS[a.stream.sourceId] ?? []));

/** Events that pass the source: received, less those blocked there. */
function passed(atoms: Atom[]): Atom[] {
  return atoms.map((a) => ({ ...a, fraction: a.fraction * (1 - total(SOURCE_FILTERS[a.stream.sourceId] ?? [])) }));
}

/** Unsupported types are filtered at the destination as a whole, under their own reason. */
export function filteredAtDestination(atoms: Atom[], p: DeliveryProfile): Atom[] {
  const ok = passed(atoms);
  const unsupported = ok.filter((a) => p.types && !p.types.includes(a.stream.eventType)).map((a) => ({ ...a, discardReason: 'Unsupported event type' }));
  return [...unsupported, ...slice(ok.filter((a) => !p.types || p.types.includes(a.stream.eventType)), p.filtered)];
}

const takes = (p: DeliveryProfile) => (a: Atom) => !p.types || p.types.includes(a.stream.eventType);

export function failedDelivery(atoms: Atom[], p: DeliveryProfile): Atom[] {
  return slice(passed(atoms).filter(takes(p)), p.failed.map(([r, s]) => [r, s * (1 - total(p.filtered))] as const));
}

export function successfulDelivery(atoms: Atom[], p: DeliveryProfile): Atom[] {
  const share = (1 - total(p.filtered)) * (1 - total(p.failed));
  return passed(atoms)
    .filter(takes(p))
    .map((a) => ({ ...a, fraction: a.fraction * share }));
}

/** The retried share of the successful deliveries (for `retryCount` and the summary's breakdown). */
export const retriedShare = (p: DeliveryProfile) => p.retried;
