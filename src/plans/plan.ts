import { compareSlugs, fieldKey } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';
import { lookupRank, producers } from './related.js';

/**
 * The calls a goal needs, first step first, derived from the tools' facts: the goal tool needs ids;
 * a tool that yields each id the caller does not hold comes before it, and so on back. Among the
 * tools yielding an id, the one whose scope the request names wins ("every destination on the kiosk
 * source": the destinations of a source, so the source is found first), then one taking ids the
 * caller holds, then the simplest.
 */
export interface PlanStep {
  tool_slug: string;
  /** One short line: why this step. */
  purpose: string;
}

/** A plan longer than this is a sign the facts are wrong, not a plan. */
const MAX_STEPS = 5;

export class Planner {
  private readonly producers: Map<string, ToolDefinition[]>;
  /** The list or read of each object in its scope ("rules|tracking plan"): what a replace overwrites. */
  private readonly current = new Map<string, ToolDefinition>();
  /** Every read of one thing, in the registry's order. */
  private readonly reads: ToolDefinition[];

  /** `stem`: how the caller reduces words, so the facts' words compare with the request's terms. */
  constructor(
    tools: readonly ToolDefinition[],
    private readonly stem: (word: string) => string,
  ) {
    // An id a tool's answer only mentions (a model's sourceId) is found by it too.
    this.producers = producers(tools, gives);
    this.reads = tools.filter((t) => t.facts.operation === 'get');
    for (const t of tools) {
      const was = this.current.get(place(t.facts.object, t.facts.scope));
      // The simpler read when an object has both (a list before a get), whatever the registry's order.
      if (lookupRank(t) < 2 && (!was || lookupRank(t) < lookupRank(was))) this.current.set(place(t.facts.object, t.facts.scope), t);
    }
  }

  /**
   * Steps for `goal`; `known` are field names the caller holds, `requestTerms` the request's stems in order;
   * `copies`: the request copies one thing's state onto another ("the same permissions as Priya").
   */
  plan(goal: ToolDefinition, known: string[], requestTerms: readonly string[], copies = false): PlanStep[] {
    const held = new Set(known.map(fieldKey));
    const object = goal.facts.object.split(/\s+/).map(this.stem);
    const scopeTerms = this.scopeTerms(requestTerms, goal);
    const steps: PlanStep[] = [];
    // A goal that adds links two things: the ids of both, the one held and the one to find.
    const linked = goal.facts.operation === 'add' ? new Set(goal.facts.needs.map(fieldKey)) : undefined;
    // And what it adds: the groups a user is in already are not where that user is to be added.
    const adding = linked ? object : undefined;
    // `seeking`: ids the chain above is looking for; a producer needing one of them goes in circles.
    const visit = (tool: ToolDefinition, seeking: Set<string>, terms = scopeTerms) => {
      const alias = renamedHeld(tool, held);
      if (alias) held.add(fieldKey(alias));
      for (const id of tool.facts.needs) {
        if (held.has(fieldKey(id)) || steps.length >= MAX_STEPS - 1) continue;
        const wanted = tool.facts.needs.filter((n) => !held.has(fieldKey(n)));
        const producer = this.producerFor(id, held, terms, seeking, wanted, linked, adding);
        if (!producer) continue;
        visit(producer, new Set([...seeking, id]), terms);
        if (steps.some((s) => s.tool_slug === producer.slug)) continue;
        const found = gives(producer).filter((y) => !held.has(fieldKey(y)) && (y === id || tool.facts.needs.includes(y)));
        steps.push({ tool_slug: producer.slug, purpose: `Find ${found.join(' and ')}: ${producer.title}.` });
        for (const y of gives(producer)) held.add(fieldKey(y));
      }
    };
    // The read of the goal's object where it lives; without a read of its own, the read of where it
    // lives (a source's labels come with the source), or of the thing itself (a destination).
    const { object: what, scope: where } = goal.facts;
    const current = this.current.get(place(what, where)) ?? this.current.get(place(where ?? what));
    // A copy reads what is copied first (the rules of tp_1, Priya's permissions), finding it if need be.
    const origin = copies && lookupRank(goal) === 2 ? (this.heldOrigin(goal, held) ?? current) : undefined;
    if (origin) {
      visit(origin, new Set(origin.facts.yields), this.scopeTerms(requestTerms, origin));
      steps.push({ tool_slug: origin.slug, purpose: `Read what is to be copied: ${origin.title}.` });
      // What it names is then known: the plan that src_old uses is the one to put src_new on.
      for (const y of gives(origin)) held.add(fieldKey(y));
    }
    // A producer needing what the goal answers with goes in circles too: the sources of a warehouse
    // are not found by first taking a source.
    visit(goal, new Set(goal.facts.yields));
    // A replace overwrites the whole list: what is there now is read first, to keep what should stay.
    const overwritten = goal.facts.operation === 'replace' && !origin ? current : undefined;
    if (overwritten && !steps.some((s) => s.tool_slug === overwritten.slug)) steps.push({ tool_slug: overwritten.slug, purpose: `Read what is there now (the replace overwrites it): ${overwritten.title}.` });
    steps.push({ tool_slug: goal.slug, purpose: `${goal.title}.` });
    return steps;
  }

  /**
   * What a copy copies from, when the caller holds it: a held id the goal does not take names another
   * thing, read by its own read ("the group ug_1 gets the permissions usr_2 has": usr_2); else a read
   * of held ids that gives an id the goal lacks ("the tracking plan src_2 uses": src_2's plan).
   */
  private heldOrigin(goal: ToolDefinition, held: Set<string>): ToolDefinition | undefined {
    const takes = new Set([...goal.facts.needs, ...goal.paramNames].map(fieldKey));
    // this.reads are the gets; these need only what the caller holds.
    const readsHeld = (t: ToolDefinition) => t.facts.needs.length > 0 && t.facts.needs.every((n) => held.has(fieldKey(n)));
    const other = [...held].find((id) => !takes.has(id));
    const ofOther = other ? this.reads.find((t) => readsHeld(t) && t.facts.needs.length === 1 && fieldKey(t.facts.needs[0]!) === other) : undefined;
    const lacking = goal.facts.needs.filter((n) => !held.has(fieldKey(n)));
    return ofOther ?? this.reads.find((t) => readsHeld(t) && gives(t).some((y) => lacking.includes(y)));
  }

  /**
   * The request's terms that can name a scope. Where it spells the tool's own object, its words name
   * none: "rename the user group" names no user. One word is not enough: in "take Carla out of every
   * user group", Carla is a user.
   */
  private scopeTerms(requestTerms: readonly string[], tool: ToolDefinition): Set<string> {
    const object = tool.facts.object.split(/\s+/).map(this.stem);
    return new Set(object.length > 1 ? withoutPhrase(requestTerms, object) : requestTerms);
  }

  private producerFor(id: string, held: Set<string>, requestTerms: Set<string>, seeking: Set<string>, wanted: string[], linked: Set<string> | undefined, adding?: string[]): ToolDefinition | undefined {
    // A call giving several of the ids wanted spares calls (a Reverse ETL model names its source, so
    // listing models finds both).
    const missing = (t: ToolDefinition) => t.facts.needs.filter((n) => !held.has(fieldKey(n))).length;
    const spares = (t: ToolDefinition) => Math.max(0, wanted.filter((n) => gives(t).includes(n)).length - 1 - missing(t));
    const usesHeld = (t: ToolDefinition) => t.facts.needs.filter((n) => held.has(fieldKey(n))).length;
    // An id the answer only mentions is taken from it when that spares a call, or when it reads the
    // very thing the caller holds (the source of model mdl_1 is in that model), unless the goal adds:
    // the plan a source is on is not the one to attach it to.
    const candidates = (this.producers.get(id) ?? []).filter(
      (t) => !t.facts.needs.some((n) => seeking.has(n)) && (t.facts.yields.includes(id) || spares(t) > 0 || (!linked && usesHeld(t) > 0)),
    );
    // Nor from a list of what the held side already has: the sources already on the plan are not the one to add to it.
    const ofHeldSide = (t: ToolDefinition) => (linked && t.facts.needs.some((n) => held.has(fieldKey(n)) && linked.has(fieldKey(n))) ? 1 : 0);
    const score = (t: ToolDefinition) => {
      const own = t.facts.yields.includes(id) ? 0 : 1;
      // The scope the request names picks among the tools whose answer the id is ("every destination
      // on the kiosk source": the destinations of a source).
      const scope = t.facts.scope?.split(/\s+/).map(this.stem) ?? [];
      // An add's target is not found among what the added thing has already (a user's groups, to add that user to one).
      const ofAdded = adding && scope.length > 0 && scope.every((w) => adding.includes(w)) ? 1 : 0;
      const named = !own && scope.length > 0 && scope.every((w) => requestTerms.has(w)) ? 0 : 1;
      const op = lookupRank(t);
      return [
        // A lookup reads: an id is found by listing or reading, never by creating the thing it names,
        // unless nothing else yields it (an audience preview exists only once one is asked for).
        op === 2 ? 1 : 0,
        ofHeldSide(t),
        ofAdded,
        -spares(t),
        named,
        // Taking ids the caller holds narrows to what the caller means: the write keys of source
        // src_1 come from reading that source, not from listing every source.
        -usesHeld(t),
        // The id as the answer's own; else from the answer about the fewest things (a destination
        // names its source; its filters, which may be none, do too).
        own,
        own ? gives(t).length : 0,
        op,
        missing(t),
      ];
    };
    return [...candidates].sort((a, b) => {
      const x = score(a);
      const y = score(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return compareSlugs(a.slug, b.slug);
    })[0];
  }
}

/**
 * The one id a tool takes under another parameter's name, when the caller holds that parameter: a bare
 * "id" for /spaces/{spaceId}/audiences/{id} is the audienceId; an Engage filter's integrationId is its
 * space's id.
 */
function renamedHeld(tool: ToolDefinition, held: Set<string>): string | undefined {
  const named = (n: string) => tool.paramNames.some((p) => fieldKey(p) === fieldKey(n));
  const renamed = tool.facts.needs.filter((n) => !named(n));
  if (renamed.length !== 1) return undefined;
  const carrier = tool.paramNames.some((p) => /(^id|Id)$/.test(p) && held.has(fieldKey(p)) && !tool.facts.needs.some((n) => fieldKey(n) === fieldKey(p)));
  return carrier ? renamed[0] : undefined;
}

/** `terms` without each run of them that spells `phrase`. */
function withoutPhrase(terms: readonly string[], phrase: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < terms.length; i++) {
    if (phrase.length && phrase.every((p, k) => terms[i + k] === p)) i += phrase.length - 1;
    else out.push(terms[i]!);
  }
  return out;
}

/** An object in its scope, as the map of reads keys it: "rules|tracking plan", "source|". */
const place = (object: string, scope = ''): string => `${object}|${scope}`;

/** The ids a tool's answer gives: those of what it is about, and those it mentions. */
const gives = (t: ToolDefinition): string[] => [...t.facts.yields, ...(t.facts.mentions ?? [])];
