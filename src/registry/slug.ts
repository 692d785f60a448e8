import { editDistance } from '../util/edit-distance.js';
import { countText } from '../util/count-text.js';

/**
 * Slug rules, in one place. A slug is `SEGMENT_` + the operation in upper snake case. Agents write
 * them many ways (`segment_track`, `segment-track`, `integration__segment__segment_track`, `track`);
 * all resolve. Every function here reads at most MAX_SLUG_LENGTH characters of its input, so no
 * slug, however long, can make a lookup slow.
 */

export const DIRECT_PREFIX = 'integration__segment__';

/** The router's own tools over MCP (src/meta/): never a Segment tool, so never a slug a call resolves. */
export const META_TOOLS = ['SEARCH_TOOLS', 'MANAGE_CONNECTIONS', 'EXECUTE_TOOL', 'RUN_SCRIPT'] as const;
export type MetaTool = (typeof META_TOOLS)[number];

/** The meta tool a slug names (any case, `-` or `_`), if it names one. */
export function metaToolNamed(slug: string): MetaTool | undefined {
  const name = slug.slice(0, MAX_SLUG_LENGTH).trim().toUpperCase().replace(/[-\s]+/g, '_');
  return META_TOOLS.find((m) => m === name);
}

/**
 * The longest slug input accepted (MCP's own limit for a tool name). The longest real slug, with the
 * direct-mode prefix, is under 100 characters; anything longer is not a slug and is refused unread.
 */
export const MAX_SLUG_LENGTH = 128;

/** Upper snake case from camelCase, keeping acronym runs whole: getDailyPerSourceAPICallsUsage -> GET_DAILY_PER_SOURCE_API_CALLS_USAGE. */
export function toUpperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/**
 * Slugs (upper snake case) in the order localeCompare puts them, an underscore before any digit or
 * letter, without ICU: a process's first localeCompare loads its collation data, 12+ ms of the first search.
 */
export function compareSlugs(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] !== b[i]) return a[i] === '_' ? -1 : b[i] === '_' ? 1 : a.charCodeAt(i) - b.charCodeAt(i);
  }
  return a.length - b.length;
}

/** True when the input is too long to be a slug; callers refuse it before any lookup. */
export const slugTooLong = (input: string): boolean => input.length > MAX_SLUG_LENGTH;

/** Canonical form used for lookup: upper case, one underscore between words, no direct-mode prefix. */
export function normalizeSlug(input: string): string {
  // An accented letter is its plain letter ("lïst" is list), not a break between two words.
  let s = input.slice(0, MAX_SLUG_LENGTH).normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim();
  if (s.toLowerCase().startsWith(DIRECT_PREFIX)) s = s.slice(DIRECT_PREFIX.length);
  return words(s).join('_').toUpperCase();
}

/** The stable per-tool MCP name in direct mode: SEGMENT_TRACK -> integration__segment__segment_track. */
export function directName(slug: string): string {
  return DIRECT_PREFIX + slug.toLowerCase();
}

/** A slug-like input cut for an error message or a log line: never the whole of a huge input. */
export function slugPreview(input: string): string {
  if (!slugTooLong(input)) return input;
  return `${input.slice(0, 40).replace(/[\uD800-\uDBFF]$/, '')}… (${countText(input.length)} characters)`;
}

/** Field and parameter names compared loosely: "source_id", "sourceId" and "SourceID" are one field. */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface SlugMatch {
  slug: string;
  /** 0..1, 1 for the same words. */
  score: number;
}

/** Below this a candidate is not worth suggesting. */
const MIN_SCORE = 0.4;

/**
 * The one fuzzy slug matcher: "did you mean" in EXECUTE_TOOL and the CLI, and slug fragments in
 * search ("SEGMENT_TRAK", "list_sorces"). Words are compared one by one (a typo costs a little, a
 * missing word more), blended with the edit distance of the whole slug. Input is bounded first, so
 * a call costs at most MAX_SLUG_LENGTH x the candidates' lengths.
 */
export class SlugMatcher {
  private readonly candidates: { slug: string; key: string; words: string[] }[];

  constructor(slugs: Iterable<string>) {
    this.candidates = [...new Set(slugs)].map((slug) => {
      const key = stripPrefix(normalizeSlug(slug));
      return { slug, key, words: key.split('_') };
    });
  }

  /** The `n` closest slugs, best first, each with its score; empty when nothing is close. */
  closestSlugs(input: string, n = 5): SlugMatch[] {
    const key = stripPrefix(normalizeSlug(input));
    if (!key) return [];
    const typed = key.split('_');
    return this.candidates
      .map((c) => ({ slug: c.slug, score: similarity(key, typed, c.key, c.words) }))
      .filter((m) => m.score >= MIN_SCORE)
      .sort((a, b) => b.score - a.score || a.slug.length - b.slug.length || (a.slug < b.slug ? -1 : 1))
      .slice(0, Math.max(0, n));
  }
}

/** One-off form of SlugMatcher#closestSlugs, for a list that is not reused. */
export function closestSlugs(input: string, slugs: Iterable<string>, n = 5): SlugMatch[] {
  return new SlugMatcher(slugs).closestSlugs(input, n);
}

/** Runs of letters and digits, in order (linear: no backtracking regex on caller input). */
function words(s: string): string[] {
  return s.split(/[^A-Za-z0-9]+/).filter(Boolean);
}

const stripPrefix = (key: string) => (key.startsWith('SEGMENT_') ? key.slice(8) : key === 'SEGMENT' ? '' : key);

function similarity(key: string, typed: string[], candKey: string, cand: string[]): number {
  // Each typed word against its closest candidate word.
  let found = 0;
  for (const w of typed) {
    let best = 0;
    for (const c of cand) best = Math.max(best, wordSimilarity(w, c));
    found += best;
  }
  const precision = found / typed.length;
  const recall = Math.min(1, found / cand.length);
  const words = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  // A typed prefix of the slug ("LIST_SOURCE" for LIST_SOURCES) is a strong hint.
  const prefix = candKey.startsWith(key) ? 0.1 : 0;
  // The score is below MIN_SCORE (0.4) once the distance passes length x (1.5 words + 2.5 prefix):
  // the distance is only worked out that far (+1, so rounding never matters).
  const longest = Math.max(key.length, candKey.length);
  const max = Math.ceil(longest * (1.5 * words + 2.5 * prefix)) + 1;
  const d = editDistance(key, candKey, max);
  if (d > max) return 0;
  const whole = 1 - d / longest;
  return Math.min(1, 0.6 * words + 0.4 * whole + prefix);
}

/** 1 for the same word, less for a near spelling or a prefix, 0 for a different word. */
function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length >= 3 && b.startsWith(a)) return 0.8 * (a.length / b.length) + 0.15;
  const allowed = Math.max(a.length, b.length) <= 4 ? 1 : 2;
  const d = editDistance(a, b, allowed);
  return d <= allowed ? 1 - d / Math.max(a.length, b.length) : 0;
}
