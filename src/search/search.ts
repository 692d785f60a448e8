import Fuse from 'fuse.js';
import type { Registry } from '../registry/registry.js';
import type { ToolDefinition } from '../registry/types.js';

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

/** Ranks the registry's tools for a plain-language use case. */
export class ToolSearch {
  private fuse?: Fuse<ToolDefinition>;
  constructor(private readonly registry: Registry) {}

  search(q: SearchQuery, limit = 5): SearchHit {
    this.fuse ??= new Fuse([...this.registry.tools], {
      includeScore: true,
      ignoreLocation: true,
      threshold: 0.45,
      keys: [
        { name: 'slug', weight: 3 },
        { name: 'title', weight: 2 },
        { name: 'useCases', weight: 2 },
        { name: 'tags', weight: 1.5 },
        { name: 'description', weight: 1 },
      ],
    });
    const exact = this.registry.resolve(q.use_case.trim());
    const hits = this.fuse.search(q.use_case, { limit: limit * 2 }).map((r) => r.item.slug);
    const ordered = [...new Set([...(exact.ok ? [exact.tool.slug] : []), ...hits])].slice(0, limit);
    const related = [...new Set(ordered.flatMap((s) => this.registry.get(s)?.related ?? []))].filter((s) => !ordered.includes(s) && this.registry.get(s));
    return {
      use_case: q.use_case,
      primary_tool_slugs: ordered,
      related_tool_slugs: related.slice(0, 5),
      ...(ordered.length ? {} : { note: 'No tool matches this use case well. Rephrase it in terms of what should happen in Segment (e.g. "send an event", "list sources").' }),
    };
  }
}
