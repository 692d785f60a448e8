/**
 * Slug rules. A slug is `SEGMENT_` + the operation in upper snake case. Agents write them many ways
 * (`segment_track`, `segment-track`, `integration__segment__segment_track`, `track`); all resolve.
 */

export const DIRECT_PREFIX = 'integration__segment__';

/** Upper snake case from camelCase, keeping acronym runs whole: getDailyPerSourceAPICallsUsage -> GET_DAILY_PER_SOURCE_API_CALLS_USAGE. */
export function toUpperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** Canonical form used for lookup: upper case, one underscore between words, no direct-mode prefix. */
export function normalizeSlug(input: string): string {
  let s = input.trim();
  if (s.toLowerCase().startsWith(DIRECT_PREFIX)) s = s.slice(DIRECT_PREFIX.length);
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
}

/** The stable per-tool MCP name in direct mode: SEGMENT_TRACK -> integration__segment__segment_track. */
export function directName(slug: string): string {
  return DIRECT_PREFIX + slug.toLowerCase();
}
