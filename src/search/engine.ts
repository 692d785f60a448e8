import Fuse from 'fuse.js';
import { slugTooLong } from '../registry/slug.js';
import type { ToolDefinition } from '../registry/types.js';
import { analyzeQuery, type AnalyzedQuery } from './analyze.js';
import { COMPOUNDS, RESOURCE_NOUNS } from './vocabulary.js';
import { vocabularyWords } from './lexicon.js';
import { Bm25Index } from './bm25.js';
import { FIELDS, toolText, type Field, type ToolText } from './fields.js';
import { verbFit } from './intent.js';
import { stem, words } from './text.js';
import { TypoFixer } from './typos.js';

/**
 * The ranking: BM25F over each tool's fields, then three judgements a bag of words cannot make:
 * does the request name the tool's object (coverage), does it ask for the tool's operation (verb fit),
 * and does the caller already hold the tool's inputs (known fields). Slug-like requests also go through
 * fuse.js so a half-remembered slug still lands.
 */

export interface Ranked {
  slug: string;
  score: number;
}

export interface Ranking {
  ranked: Ranked[];
  /** 0..1: how much of the request the best tool explains. Low means nothing here fits. */
  confidence: number;
  /** The parts of `confidence`, for calibration. */
  parts?: { share: number; named: number; strength: number };
}

/** Object words that only qualify ("connected" sources, "daily" usage): missing them costs little. */
const WEAK = new Set(['connected', 'daily', 'per', 'latest', 'advanced', 'id', 'workspace', 'data', 'summary', 'status', 'statuses', 'manual', 'single'].map(stem));

/** Prior when the request names no operation: reading is the safe guess. */
const NO_VERB_PRIOR: Record<ToolDefinition['access'], number> = { read: 1, write: 0.9, destructive: 0.8 };

/** Known field values count as a faint mention of what they identify (sourceId -> "source"). */
const KNOWN_FIELD_TERM_WEIGHT = 0.3;
const KNOWN_FIELD_BOOST = 0.25;
const UNKNOWN_WORD_WEIGHT = 2;
/** A tenth of the ideal score is already a solid match: BM25 saturates and fields are weighted. */
const STRENGTH_SCALE = 8;
/** Object coverage from which a request counts as naming the tool outright. */
const NAMED_OBJECT = 0.6;
const NAMED_USE_CASE = 0.7;
const CORE_WEIGHT = 0.5;
const CONTEXT_AS_OBJECT = 0.7;
/** Saying most of one of a tool's use cases is nearly as good as naming its object. */
const USE_CASE_COVER = 0.9;
/** What a tool loses when its slug has no place for the resource the request says it is in. */
const UNPLACED = 0.2;
/** A resource said as context at this weight or more is meant (a faint synonym is not). */
const CONTEXT_WEIGHT_MIN = 0.4;
/** Tracking calls, for a request that acts on a workspace resource. */
const OFF_DOMAIN = 0.5;
/** What a word in a use case counts when the request gives it the other role (object vs where). */
const ROLE_SWAP = 0.6;
/** Verbs that only ever mean sending tracking data (unlike "send", "post" or "report"). */
const TRACKING_VERBS = new Set(['track', 'record', 'log', 'capture', 'emit', 'fire', 'identify', 'alias', 'backfill'].map(stem));
/** Confidence at most, for a request whose object no tool knows. */
const STRANGE_OBJECT = 0.3;
/** How many of the best tools may vouch that a request is about Segment. */
const CONFIDENCE_DEPTH = 3;

export class SearchEngine {
  private readonly texts: ToolText[];
  private readonly index: Bm25Index<Field>;
  private readonly typos: TypoFixer;
  private readonly params: Set<string>[];
  private slugFuse?: Fuse<{ i: number; key: string }>;
  private readonly resources: Set<string>;
  private readonly slugWords: Set<string>[];
  /** Terms tools are named by (slug and title words). */
  private readonly defining: Set<string>;

  constructor(private readonly tools: readonly ToolDefinition[]) {
    this.texts = tools.map(toolText);
    this.index = new Bm25Index(FIELDS, this.texts.map((t) => t.fields));
    this.params = tools.map((t) => new Set(t.paramNames.map(fieldKey)));
    const known = new Set(vocabularyWords());
    for (const t of tools) {
      for (const text of [t.slug, t.title, t.description, t.toolset, ...t.tags, ...t.useCases, ...t.paramNames]) for (const w of words(text)) known.add(w);
    }
    this.typos = new TypoFixer(known);
    // Resource nouns only the Public API has (source, destination, audience...): never a tracking word.
    const trackingWords = new Set(this.texts.filter((_, i) => tools[i]!.api === 'tracking').flatMap((t) => [...t.fields.object, ...t.fields.context, ...t.fields.title, ...t.fields.tags, ...t.fields.useCases]));
    const compoundTerms = new Set(COMPOUNDS.map(([, t]) => t));
    this.resources = new Set([...RESOURCE_NOUNS].map((w) => (compoundTerms.has(w) ? w : stem(w))).filter((t) => !trackingWords.has(t)));
    this.slugWords = this.texts.map((t) => new Set([...t.object, ...t.context]));
    this.defining = new Set(this.texts.flatMap((t) => [...t.fields.object, ...t.fields.context, ...t.fields.title]));
  }

  /** The request as the ranking reads it (typos fixed), for tests and diagnostics. */
  analyze(request: string): AnalyzedQuery {
    return analyzeQuery(request, { correct: (w) => this.typos.fix(w), defining: (t) => this.defining.has(t), known: (w) => this.typos.knows(w) });
  }

  /** Ranks every tool for a request; `knownFields` are the names of values the caller already has. */
  rank(request: string, knownFields: string[] = []): Ranking {
    const q = this.analyze(request);
    const knownKeys = knownFields.map(fieldKey).filter(Boolean);
    for (const f of knownFields) for (const w of words(f)) if (w !== 'id') addTerm(q, stem(w), KNOWN_FIELD_TERM_WEIGHT);

    const slugLike = slugFuzz(request) ? this.slugScores(request) : undefined;
    // "invite jane to the workspace": with no noun for the object, the verb names it ("invite").
    const hasObjectNoun = [...q.own.values()].some((w) => w >= 1);
    const verbNames = new Map([...q.verbTerms].map((t) => [t, hasObjectNoun ? 0.5 : 1]));
    // Roles line up: "users in this group" names users as the object and the group as the context,
    // so a tool listing the groups of a user covers less of it than one listing a group's users.
    const objectTerms = new Map([...q.terms].map(([t, w]) => [t, q.contextTerms.has(t) ? w * CONTEXT_AS_OBJECT : w]));
    const contextTerms = new Map([...q.terms].map(([t, w]) => [t, q.contextTerms.has(t) ? 1 : w]));
    // "rename the ios source", "delete the android source": the request acts on a workspace resource,
    // so the tracking calls its other words evoke ("ios" -> screen) are not what it wants.
    const aboutResource = [...q.own].some(([t, w]) => w >= 1 && !q.contextTerms.has(t) && !q.personal.has(t) && this.resources.has(t));
    const whereResources = [...q.contextTerms].filter((t) => this.resources.has(t) && (q.terms.get(t) ?? 0) >= CONTEXT_WEIGHT_MIN);
    const ranked: (Ranked & { i: number; matched: Set<string>; slugCover: number; useCaseCover: number })[] = [];
    for (let i = 0; i < this.tools.length; i++) {
      const tool = this.tools[i]!;
      const text = this.texts[i]!;
      const { score: lexical, matched } = this.index.score(i, q.terms);
      const fuzzy = slugLike?.get(i) ?? 0;
      if (lexical === 0 && fuzzy === 0) continue;
      const slugCover = this.cover(text.object, objectTerms, verbNames);
      const useCaseCover = Math.max(0, ...text.useCases.map((p, k) => USE_CASE_COVER * this.cover(p, q.terms, verbNames, { request: q.contextTerms, useCase: text.useCaseContext[k]! })));
      const objectCover = Math.max(slugCover, useCaseCover);
      const contextCover = this.cover(text.context, contextTerms, verbNames);
      const fit = verbFit(q.verbs, text.fit);
      const verb = fit === undefined ? NO_VERB_PRIOR[tool.access] : 0.35 + 0.65 * fit;
      const held = knownKeys.length ? knownKeys.filter((k) => this.params[i]!.has(k)).length / knownKeys.length : 0;
      const domain = tool.api === 'tracking' && aboutResource ? OFF_DOMAIN : 1;
      // "which tools does the android source send to": a tool whose slug has no place for the source
      // the request names explains less of it than one that does.
      const slugWords = this.slugWords[i]!;
      const placed = whereResources.length ? whereResources.filter((t) => slugWords.has(t)).length / whereResources.length : 1;
      const score = (lexical + fuzzy) * (0.35 + 0.65 * objectCover) * (0.7 + 0.3 * contextCover) * verb * (1 + KNOWN_FIELD_BOOST * held) * domain * (1 - UNPLACED + UNPLACED * placed);
      ranked.push({ slug: tool.slug, score, i, matched, slugCover, useCaseCover });
    }
    ranked.sort((a, b) => b.score - a.score || a.slug.localeCompare(b.slug));
    const out = ranked.map(({ slug, score }) => ({ slug, score }));
    if (slugLike && ranked.length) return { ranked: out, confidence: 1 };
    // The request is about Segment when one of the first few tools fits it; which one comes first is
    // the ranking's business, not this test's.
    let best = { confidence: 0, parts: { share: 0, named: 0, strength: 0 } };
    for (const r of ranked.slice(0, CONFIDENCE_DEPTH)) {
      const c = this.confidence(q, r);
      if (c.confidence > best.confidence) best = c;
    }
    // An object no tool knows, with no event to send: the verb alone ("schedule", "delete") is not enough.
    if (q.strangeObject && !q.verbs.has('send')) best = { ...best, confidence: Math.min(best.confidence, STRANGE_OBJECT) };
    return { ranked: out, ...best };
  }

  /**
   * Confident when the request names the tool's object (or most of one of its use cases), or when the
   * tool explains most of the request's words AND scores near what a full match would. Either test
   * alone lets noise through: "what time is it in tokyo" shares "time" with a parameter. A use case
   * must be said almost whole to count: one shared word ("password") is not naming it.
   */
  private confidence(q: AnalyzedQuery, r: { i: number; score: number; matched: Set<string>; slugCover: number; useCaseCover: number }) {
    // "a calendar invite" does not name Segment's invites.
    const foreign = this.texts[r.i]!.object.some((t) => q.foreign.has(t));
    const named = foreign ? 0 : Math.max(r.slugCover >= NAMED_OBJECT ? r.slugCover : 0, r.useCaseCover >= NAMED_USE_CASE ? r.useCaseCover : 0) * 0.8;
    const share = this.share(q, r.matched);
    const strength = r.score / this.ceiling(q);
    // And a match only in prose ("flight" in a description) is a coincidence, not a tool for the request.
    const core = this.coreMatch(r.i, r.matched, q);
    const confidence = Math.min(1, Math.max(named, core ? Math.min(share, STRENGTH_SCALE * strength) : 0));
    return { confidence, parts: { share, named, strength } };
  }

  /** Whether a matched term is one of the tool's defining words: slug, title or tags. */
  private coreMatch(i: number, matched: Set<string>, q: AnalyzedQuery): boolean {
    const f = this.texts[i]!.fields;
    // Through a weak synonym ("password" -> credential) a match says too little to count.
    // A Segment word (one some tool is named by) in the tool's own use cases counts too: "event spec".
    // Asking to track, record, log or capture is itself Segment's tracking operation.
    if (this.tools[i]!.api === 'tracking' && [...q.verbTerms].some((t) => TRACKING_VERBS.has(t))) return true;
    return [...matched].some(
      (t) => (q.terms.get(t) ?? 0) >= CORE_WEIGHT && (f.object.includes(t) || f.context.includes(t) || f.title.includes(t) || f.tags.includes(t) || (this.defining.has(t) && f.useCases.includes(t))),
    );
  }

  /** Share of the object's meaning (IDF-weighted, weak words discounted) that the request mentions. */
  private cover(object: string[], terms: Map<string, number>, verbNames: Map<string, number>, context?: { request: Set<string>; useCase: Set<string> }): number {
    if (object.length === 0) return 1;
    let have = 0;
    let total = 0;
    for (const t of new Set(object)) {
      const imp = this.index.idf(t) * (WEAK.has(t) ? 0.3 : 1);
      total += imp;
      // A use case about the groups of a user does not say "the users of a group".
      const swapped = context && context.request.has(t) !== context.useCase.has(t) ? ROLE_SWAP : 1;
      have += imp * swapped * Math.min(1, Math.max(verbNames.get(t) ?? 0, terms.get(t) ?? 0));
    }
    return total === 0 ? 1 : have / total;
  }

  /** The score a tool would get holding every word of the request at full strength. */
  private ceiling(q: AnalyzedQuery): number {
    let sum = 0;
    const unknown = this.index.idf('\u0000');
    for (const [t, w] of q.own) sum += w * (this.index.has(t) ? this.index.idf(t) : unknown);
    for (const t of q.verbTerms) sum += 0.5 * this.index.idf(t);
    return Math.max(1e-9, sum * 2.2); // 2.2 = k1 + 1, BM25's saturation ceiling
  }

  /**
   * Share of the request's own words (IDF- and role-weighted) that the best tool explains, directly or
   * through a synonym ("gdpr" is explained by a tool about regulations).
   */
  private share(q: AnalyzedQuery, matched: Set<string>): number {
    // How well each own word is explained: fully when the tool has it, by the synonym's weight otherwise.
    const explained = new Map<string, number>([...matched].map((t) => [t, 1]));
    for (const t of matched) for (const [source, w] of q.explains.get(t) ?? []) explained.set(source, Math.max(explained.get(source) ?? 0, w));
    let total = 0;
    let got = 0;
    for (const [t, w] of q.own) {
      // Words no tool uses at all are mostly filler ("belong", "former"); they count, but little.
      const mass = w * (this.index.has(t) ? this.index.idf(t) : UNKNOWN_WORD_WEIGHT);
      total += mass;
      got += mass * (explained.get(t) ?? 0);
    }
    if (total === 0) return matched.size ? 0.5 : 0;
    return got / total;
  }

  /** fuse.js over slugs for requests written like a slug ("list_connected_warehouses", "segmnt-identfy"). */
  private slugScores(request: string): Map<number, number> {
    this.slugFuse ??= new Fuse(
      this.tools.map((t, i) => ({ i, key: t.slug.replace(/^SEGMENT_/, '').toLowerCase() })),
      { keys: ['key'], includeScore: true, threshold: 0.4, ignoreLocation: true },
    );
    const needle = request.trim().toLowerCase().replace(/^segment[_\s-]*/, '').replace(/[^a-z0-9]+/g, '_');
    const out = new Map<number, number>();
    for (const r of this.slugFuse.search(needle, { limit: 10 })) {
      // A slug that starts with what was typed is what was meant ("list_connected_warehouses").
      const prefix = r.item.key.startsWith(needle) ? 4 : 0;
      out.set(r.item.i, prefix + 4 * (1 - (r.score ?? 1)));
    }
    return out;
  }
}

/** Field names compared loosely: "source_id", "sourceId" and "SourceID" are one field. */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A request with no spaces and slug separators, or an upper-case slug, is read as a slug. */
function slugFuzz(request: string): boolean {
  const r = request.trim();
  // Longer than any slug: not one, and fuzzy matching it would cost time in proportion to its length.
  return !slugTooLong(r) && !/\s/.test(r) && (/[_-]/.test(r) || /^[A-Z0-9_]+$/.test(r));
}

function addTerm(q: AnalyzedQuery, term: string, weight: number): void {
  if ((q.terms.get(term) ?? 0) < weight) q.terms.set(term, weight);
}
