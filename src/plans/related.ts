import { compareSlugs } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';

/**
 * What an agent usually needs next to the tools it found, read from their facts: each tool's own
 * `related` list, then for each id it needs, the tool that yields it (GET_SOURCE needs sourceId:
 * SEGMENT_LIST_SOURCES). No tables here: both live on the registry entries.
 */
export class RelatedTools {
  private readonly bySlug: Map<string, ToolDefinition>;
  private readonly producers: Map<string, ToolDefinition[]>;

  constructor(tools: readonly ToolDefinition[]) {
    this.bySlug = new Map(tools.map((t) => [t.slug, t]));
    this.producers = producers(tools);
  }

  /** The simplest tool that yields an id: a list that needs nothing else first (found when asked: the first search waits for no sort). */
  producerOf(id: string): ToolDefinition | undefined {
    return this.producers.get(id)?.reduce((best, t) => (byEase(t, best) < 0 ? t : best));
  }

  /** Related slugs for a set of primaries, best first, never one of the primaries. */
  for(primaries: string[], limit = 5): string[] {
    const lists = primaries.map((s) => this.of(s));
    const out: string[] = [];
    // Round-robin so the first primary does not crowd out the others' companions.
    for (let k = 0; out.length < limit && lists.some((l) => k < l.length); k++) {
      for (const l of lists) {
        const s = l[k];
        if (s && !primaries.includes(s) && !out.includes(s) && out.length < limit) out.push(s);
      }
    }
    return out;
  }

  private of(slug: string): string[] {
    const tool = this.bySlug.get(slug);
    if (!tool) return [];
    const producers = tool.facts.needs.map((id) => this.producerOf(id)?.slug).filter((s): s is string => !!s);
    return [...new Set([...tool.related, ...producers])].filter((s) => s !== slug && this.bySlug.has(s));
  }
}

/** Lists before gets before the rest; fewer needs first; then by slug, so the choice is stable. */
function byEase(a: ToolDefinition, b: ToolDefinition): number {
  return lookupRank(a) - lookupRank(b) || a.facts.needs.length - b.facts.needs.length || compareSlugs(a.slug, b.slug);
}

/** Per id, the tools whose answer gives it without needing it first; `ids`: which of a tool's ids count. */
export function producers(tools: readonly ToolDefinition[], ids = (t: ToolDefinition) => t.facts.yields): Map<string, ToolDefinition[]> {
  const out = new Map<string, ToolDefinition[]>();
  for (const t of tools) for (const id of ids(t)) if (!t.facts.needs.includes(id)) out.set(id, [...(out.get(id) ?? []), t]);
  return out;
}

/** How simple a lookup is: a list, then a read, then anything else. */
export const lookupRank = (t: ToolDefinition): number => (t.facts.operation === 'list' ? 0 : t.facts.operation === 'get' ? 1 : 2);
