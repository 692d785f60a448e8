import type { Registry } from '../registry/registry.js';
import { SearchEngine } from './engine.js';
import { RelatedTools } from './related.js';

export interface SearchQuery {
  use_case: string;
  known_fields?: string;
}

export interface SearchHit {
  use_case: string;
  primary_tool_slugs: string[];
  related_tool_slugs: string[];
  note?: string;
}

/** Below this share of the request explained, the best tool is a guess: say so instead. */
export const MIN_CONFIDENCE = 0.4;
/** Primaries after the first must score at least this share of the first: the rest is noise. */
const KEEP_RATIO = 0.3;

const NO_MATCH =
  'No Segment tool matches this request well. Rephrase it as what should happen in Segment (e.g. "send a track event", "list sources", "delete a destination"), or search by slug.';

/**
 * Ranks the registry's tools for plain-language requests. The index is built on the first search, not
 * at start-up: a server that is never asked to search pays nothing for it. Synchronous: the CLI, the
 * meta tool and tests all call it directly.
 */
export class ToolSearch {
  private engine?: SearchEngine;
  private related?: RelatedTools;

  constructor(private readonly registry: Registry) {}

  search(q: SearchQuery, limit = 5): SearchHit {
    const engine = (this.engine ??= new SearchEngine(this.registry.tools));
    this.related ??= new RelatedTools(this.registry.tools);
    // Only a single word can be a slug; resolving prose would also run the registry's fuzzy fallback.
    const text = q.use_case.trim();
    const exact = /\s/.test(text) ? undefined : this.registry.resolve(text);
    const { ranked, confidence } = engine.rank(q.use_case, knownFieldNames(q.known_fields));
    const top = ranked[0]?.score ?? 0;
    const good = confidence >= MIN_CONFIDENCE ? ranked.filter((r) => r.score >= top * KEEP_RATIO).map((r) => r.slug) : [];
    // An exact slug or alias always comes first, whatever the scores say.
    const primaries = [...new Set([...(exact?.ok ? [exact.tool.slug] : []), ...good])].slice(0, limit);
    return {
      use_case: q.use_case,
      primary_tool_slugs: primaries,
      related_tool_slugs: this.related.for(primaries),
      ...(primaries.length ? {} : { note: NO_MATCH }),
    };
  }
}

/** "sourceId:src_1, userId=42; eventName" -> ["sourceId", "userId", "eventName"]. Values are never used. */
export function knownFieldNames(knownFields?: string): string[] {
  if (!knownFields) return [];
  return knownFields
    .split(/[,;\n]+/)
    .map((pair) => pair.split(/[:=]/)[0]!.trim())
    .filter((name) => /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name));
}
