import type { ToolAlias, ToolDefinition } from './types.js';
import { MAX_SLUG_LENGTH, normalizeSlug, SlugMatcher, slugTooLong, type SlugMatch } from './slug.js';

export type Resolution =
  | { ok: true; tool: ToolDefinition; via?: ToolAlias }
  | {
      ok: false;
      suggestions: string[];
      /** Set when the input is too long to be any slug (it was not read). */
      tooLong?: { length: number; limit: number };
      /** Set when the tool exists but this registry's scope (--toolsets, --tools) leaves it out. */
      outOfScope?: { slug: string; toolset: string };
    };

/**
 * The set of tools one server (or CLI call) can see. Scoping makes a smaller Registry; every meta
 * tool, the CLI and direct mode read the same instance, so nothing can reach a tool out of scope.
 */
export class Registry {
  private readonly bySlug = new Map<string, ToolDefinition>();
  private readonly aliases = new Map<string, ToolAlias>();
  private matcher?: SlugMatcher;

  constructor(
    readonly tools: readonly ToolDefinition[],
    aliasList: readonly ToolAlias[] = [],
    /** The registry this one was scoped from: it tells a tool left out from one that does not exist. */
    private readonly whole?: Registry,
  ) {
    for (const t of tools) this.bySlug.set(t.slug, t);
    for (const a of aliasList) if (this.bySlug.has(a.target)) this.aliases.set(a.slug, a);
  }

  get size(): number {
    return this.tools.length;
  }

  get(slug: string): ToolDefinition | undefined {
    return this.bySlug.get(slug);
  }

  /** The most items a page of this list tool holds (its pagination.count maximum); undefined for other tools. */
  pageCountMax(slug: string | undefined): number | undefined {
    const schema = slug ? (this.bySlug.get(slug)?.inputJsonSchema() as PageSchema | undefined) : undefined;
    const max = schema?.properties?.pagination?.properties?.count?.maximum;
    return typeof max === 'number' ? max : undefined;
  }

  aliasList(): ToolAlias[] {
    return [...this.aliases.values()];
  }

  /** Exact slug, then the same slug written another way, then a known alias; else the closest slugs. */
  resolve(input: string): Resolution {
    if (slugTooLong(input)) return { ok: false, suggestions: [], tooLong: { length: input.length, limit: MAX_SLUG_LENGTH } };
    const exact = this.bySlug.get(input);
    if (exact) return { ok: true, tool: exact };
    const norm = normalizeSlug(input);
    for (const candidate of [norm, `SEGMENT_${norm}`]) {
      const tool = this.bySlug.get(candidate);
      if (tool) return { ok: true, tool };
      const alias = this.aliases.get(candidate);
      if (alias) return { ok: true, tool: this.bySlug.get(alias.target)!, via: alias };
    }
    const outside = this.whole?.resolve(input);
    if (outside?.ok) return { ok: false, suggestions: this.closest(norm), outOfScope: { slug: outside.tool.slug, toolset: outside.tool.toolset } };
    return { ok: false, suggestions: this.closest(norm) };
  }

  /** Slugs (and aliases) that look like what was typed, best first. */
  closest(input: string, limit = 5): string[] {
    return this.closestSlugs(input, limit).map((m) => m.slug);
  }

  /** The same, with each match's score (0..1): for callers that weigh a slug match against other evidence. */
  closestSlugs(input: string, limit = 5): SlugMatch[] {
    this.matcher ??= new SlugMatcher([...this.bySlug.keys(), ...this.aliases.keys()]);
    return this.matcher.closestSlugs(input, limit);
  }

  /** The canonical slug for any way of writing a tool's slug or alias, or the normalized input when unknown. */
  resolveSlug(input: string): string {
    const r = this.resolve(input);
    return r.ok ? r.tool.slug : normalizeSlug(input);
  }

  /** A registry limited to some toolsets and/or slugs (`--toolsets`, `--tools`). */
  scope(opts: { toolsets?: string[]; tools?: string[] }): Registry {
    const sets = opts.toolsets?.length ? new Set(opts.toolsets.map((s) => s.trim().toLowerCase())) : undefined;
    // Slugs resolve as EXECUTE_TOOL resolves them: any spelling, or an alias of the tool.
    const slugs = opts.tools?.length ? new Set(opts.tools.map((s) => this.resolveSlug(s))) : undefined;
    if (!sets && !slugs) return this;
    const kept = this.tools.filter((t) => (sets?.has(t.toolset) ?? false) || (slugs?.has(t.slug) ?? false));
    return new Registry(kept, this.aliasList(), this.whole ?? this);
  }

  toolsets(): string[] {
    return [...new Set(this.tools.map((t) => t.toolset))].sort();
  }
}

/** The part of a list tool's JSON Schema that says how large a page may be. */
interface PageSchema {
  properties?: { pagination?: { properties?: { count?: { maximum?: unknown } } } };
}
