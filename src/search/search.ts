import { Planner, type PlanStep } from '../plans/plan.js';
import { RelatedTools } from '../plans/related.js';
import type { Registry } from '../registry/registry.js';
import { fieldKey } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';
import { decide, type Decision } from './decide.js';
import { SearchEngine, type Ranked, type ReadRequest } from './engine.js';
import { asksToCopy } from './operations.js';
import type { LabelledRequest } from './examples.js';
import { WEIGHTS } from './weights.js';
import { stem, terms } from './words.js';

export interface SearchQuery {
  use_case: string;
  known_fields?: string;
}

export interface SearchHit {
  use_case: string;
  primary_tool_slugs: string[];
  related_tool_slugs: string[];
  /** The calls to make, first step first, for the best tool: lookups for ids the caller lacks, then the tool. */
  recommended_plan_steps?: PlanStep[];
  note?: string;
  /** Set when the goal spans many resources and a script tool is on offer: run the plan as one script. */
  script_hint?: string;
  explain?: SearchExplanation;
}

export interface ToolSearchOptions {
  /** The meta tool that runs a script of tool calls (RUN_SCRIPT), when the server offers one. */
  scriptTool?: string;
  /** Every tool, in scope or not: their words decide whether a request is a Segment request at all. */
  language?: readonly ToolDefinition[];
  /** The labelled requests to learn from; the committed ones (data/search/examples.json) by default. */
  labelled?: readonly LabelledRequest[];
}

/** Words that make a goal span many resources: "each destination", "every user group", "all sources". */
const MANY = new Set(['each', 'every', 'all', 'everyone', 'bulk']);

/** Why the answer is what it is: how the request was read, the answer-or-not step, and each primary's score. */
export interface SearchExplanation {
  read_as: string[];
  corrected?: Record<string, string>;
  catalog_names?: { name: string; kind: string }[];
  known_fields?: string[];
  /** The object the request asks for (stemmed), whose tools rank higher. */
  asked_for?: string;
  decision: Decision & { slug_match?: string };
  tools: Record<string, { score: number; matched: Record<string, string[]> }>;
}

const NO_MATCH =
  'No Segment tool matches this request well. Rephrase it as what should happen in Segment (e.g. "send a track event", "list sources", "delete a destination"), or search by slug.';

/** Ranks the tools for a request (engine.ts), decides whether to answer (decide.ts), plans the calls (plan.ts). */
export class ToolSearch {
  private engine?: SearchEngine;
  private related?: RelatedTools;
  private planner?: Planner;
  /** Resource word -> the id that names one: "source" -> sourceId, from the ids tools need. */
  private idNouns?: Map<string, string>;

  constructor(
    readonly registry: Registry,
    private readonly options: ToolSearchOptions = {},
  ) {}

  /**
   * Builds the index now, or finds it built (false); later searches reuse it. `savedOnly`: load the index
   * `npm run build` saved, and build none (false when none was saved for these tools: a scoped registry
   * builds its own, which takes seconds).
   */
  warm(opts: { savedOnly?: boolean } = {}): boolean {
    if (this.engine) return false;
    const { tools } = this.registry;
    const engine = opts.savedOnly ? SearchEngine.saved(tools, this.options.language, this.options.labelled) : new SearchEngine(tools, this.options.language, this.options.labelled);
    if (!engine) return false;
    this.related = new RelatedTools(tools);
    this.planner = new Planner(tools, stem);
    this.idNouns = new Map(tools.flatMap((t) => t.facts.needs).flatMap((id) => (/^[a-z]+Id$/.test(id) ? [[id.slice(0, -2), id] as [string, string]] : [])));
    // Last: a load that throws leaves nothing half made, and the next search tries again.
    this.engine = engine;
    return true;
  }

  search(q: SearchQuery, limit = 5, opts: { explain?: boolean } = {}): SearchHit {
    this.warm();
    const engine = this.engine!;
    const text = q.use_case.slice(0, WEIGHTS.limits.chars);
    const declared = knownFieldNames(q.known_fields);
    const known = [...new Set([...declared, ...this.inlineFields(text)])];
    const read = engine.read(text);
    const { ranked, nearest } = engine.rank(read, known);
    const { slugs: slugHits, lead } = this.slugMatches(text);
    const best = ranked[0];
    const bestTool = best && this.registry.get(best.slug);
    // Ids the caller says it holds (known_fields) that the best tool needs or takes: evidence the request is
    // about Segment's own things. Not ids read in the text: "model churn_features" may be a dbt model.
    const takes = new Set(bestTool ? [...bestTool.facts.needs, ...bestTool.paramNames.filter((p) => /Id$/.test(p))].map(fieldKey) : []);
    const heldIds = declared.filter((k) => takes.has(fieldKey(k))).map((k) => `id:${k}`);
    const decision = decide(read, best, nearest, bestTool && stem(bestTool.facts.operation), heldIds);
    let primaries: string[] = [];
    if (slugHits.length || decision.answer) {
      const top = best?.score ?? 0;
      const good = decision.answer ? ranked.filter((r) => r.score >= top * WEIGHTS.keepRatio).map((r) => r.slug) : [];
      primaries = [...new Set(lead ? [...slugHits, ...good] : [...good, ...slugHits])].slice(0, limit);
    }
    const goal = primaries[0] ? this.registry.get(primaries[0]) : undefined;
    // Scopes the request names, not those it implies (sam@corp.com is a user, not the user a group is of).
    const steps = goal ? this.planner!.plan(goal, known, read.words.filter((w) => !read.implied.includes(w)).flatMap(terms), asksToCopy(read.words)) : undefined;
    const many = this.options.scriptTool && steps && steps.length > 1 && read.words.some((w) => MANY.has(w));
    return {
      use_case: q.use_case,
      primary_tool_slugs: primaries,
      related_tool_slugs: this.related!.for(primaries),
      ...(steps ? { recommended_plan_steps: steps } : { note: NO_MATCH }),
      ...(many ? { script_hint: `This goal repeats a call over many resources: ${this.options.scriptTool} can run these steps as one script, so the lists stay out of the conversation.` } : {}),
      ...(opts.explain ? { explain: explanation(read, known, decision, slugHits, ranked, primaries) } : {}),
    };
  }

  /** Fields the request holds values of: "sourceId=src_2", "source src_2" and "source qQEHquLrjRDN9j1ByrChyn" (ids as Segment writes them) hold a sourceId. Names only leave here. */
  private inlineFields(text: string): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_.]{1,40})\s*[=:]\s*\S/g)) out.add(m[1]!);
    for (const m of text.matchAll(/\b([A-Za-z]{3,20})\s+(?:[a-z]{1,6}_[A-Za-z0-9_]+|(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{6,40}\b)/g)) {
      const id = this.idNouns!.get(m[1]!.toLowerCase());
      if (id) out.add(id);
    }
    return [...out].slice(0, WEIGHTS.limits.knownFields);
  }

  /**
   * A request that is one slug-like word ("SEGMENT_TRAK"), or that opens with a slug and goes on with
   * its arguments ("SEGMENT_GET_USR usr_0af"): the tool, or the closest slugs as EXECUTE_TOOL suggests them.
   * They lead the answer unless they are guesses at a slug followed by words: those words rank better.
   */
  private slugMatches(text: string): { slugs: string[]; lead: boolean } {
    const [t = '', ...rest] = text.trim().split(/\s+/);
    if (rest.length ? !/^segment_[a-z0-9_]+$/i.test(t) : !(/[_-]/.test(t) || /^[A-Z0-9]+$/.test(t))) return { slugs: [], lead: false };
    const r = this.registry.resolve(t);
    return r.ok ? { slugs: [r.tool.slug], lead: true } : { slugs: r.suggestions.slice(0, 3), lead: !rest.length };
  }
}

function explanation(read: ReadRequest, known: string[], decision: Decision, slugHits: string[], ranked: Ranked[], primaries: string[]): SearchExplanation {
  const bySlug = new Map(ranked.map((r) => [r.slug, r]));
  const tools: SearchExplanation['tools'] = {};
  for (const s of primaries) {
    const r = bySlug.get(s);
    tools[s] = { score: Math.round((r?.score ?? 0) * 100) / 100, matched: r?.match ?? {} };
  }
  return {
    read_as: read.words,
    ...(Object.keys(read.corrected).length ? { corrected: read.corrected } : {}),
    ...(read.catalog.length ? { catalog_names: read.catalog } : {}),
    ...(known.length ? { known_fields: known } : {}),
    ...(read.asked ? { asked_for: read.asked } : {}),
    decision: { ...decision, ...(slugHits.length ? { slug_match: slugHits[0] } : {}) },
    tools,
  };
}

/** "sourceId:src_1, userId=42; eventName" -> ["sourceId", "userId", "eventName"]. Values are never used. */
export function knownFieldNames(knownFields?: string): string[] {
  if (!knownFields) return [];
  return knownFields
    .slice(0, WEIGHTS.limits.chars)
    .split(/[,;\n]+/)
    .map((pair) => pair.split(/[:=]/)[0]!.trim())
    .filter((name) => /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name))
    .slice(0, WEIGHTS.limits.knownFields);
}

