import type { ToolDefinition } from '../registry/types.js';
import { toUpperSnake } from '../registry/slug.js';
import { ID_SOURCES, PAIRINGS } from './pairings.js';

/**
 * What an agent usually needs next to the tools it found: each tool's own `related`, the usual next
 * step (PAIRINGS), and the list tool that yields the ids it takes (GET_SOURCE needs LIST_SOURCES).
 */
export class RelatedTools {
  private readonly bySlug: Map<string, ToolDefinition>;

  constructor(tools: readonly ToolDefinition[]) {
    this.bySlug = new Map(tools.map((t) => [t.slug, t]));
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
    const candidates = [...tool.related, ...(PAIRINGS[slug.replace(/^SEGMENT_/, '')] ?? []).map((s) => `SEGMENT_${s}`), ...this.idSources(tool)];
    return [...new Set(candidates)].filter((s) => s !== slug && this.bySlug.has(s));
  }

  /** For each `xxxId` a Public API tool takes, the tool listing xxx (sourceId -> SEGMENT_LIST_SOURCES). */
  private idSources(tool: ToolDefinition): string[] {
    if (tool.api !== 'public') return [];
    const out: string[] = [];
    for (const p of tool.paramNames) {
      const m = /^(.+)Id$/.exec(p);
      if (!m) continue;
      const explicit = ID_SOURCES[p];
      const slug = explicit ? `SEGMENT_${explicit}` : `SEGMENT_LIST_${plural(toUpperSnake(m[1]!))}`;
      if (this.bySlug.has(slug)) out.push(slug);
    }
    return out;
  }
}

function plural(word: string): string {
  return word.endsWith('S') ? word : word.endsWith('Y') ? `${word.slice(0, -1)}IES` : `${word}S`;
}
