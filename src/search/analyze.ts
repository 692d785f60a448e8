import { light, stem, token, tokens, type Token } from './text.js';
import { COMPOUNDS, SPELLING, SYNONYMS, VERBS, type Verb } from './vocabulary.js';

/**
 * Turns text into the terms search scores: compounds joined, verbs set aside, synonyms added (requests
 * only). Tools and requests share this code so both sides always agree on what a term is.
 */

/** Verbs that only say which operation; the operation is scored from the slug, so they are not content. */
const OPERATION_WORDS = new Set(
  ['list', 'get', 'create', 'update', 'delete', 'remove', 'add', 'replace', 'show', 'fetch', 'retrieve', 'edit', 'modify', 'change', 'set', 'new', 'make', 'see', 'find', 'view', 'look', 'give', 'all', 'every', 'which', 'return', 'returns', 'lists', 'gets', 'creates', 'updates', 'deletes', 'removes', 'adds', 'replaces'].map(stem),
);

/** Words after these name where the object lives ("sources in the workspace"), not the object. */
const PREPOSITIONS = new Set(['in', 'from', 'on', 'for', 'across', 'within', 'into', 'to', 'at', 'inside', 'under', 'with']);
const CONTEXT_WEIGHT = 0.6;
const VERB_WEIGHT = 0.5;
const QUOTED_WEIGHT = 0.3;
/** Words that say little about which tool: "data", "info". Participles describe ("connected to"). */
const GENERIC = new Set(['data', 'info', 'information', 'thing', 'stuff', 'item', 'detail'].map(stem));
const GENERIC_WEIGHT = 0.3;
const PARTICIPLE_WEIGHT = 0.5;
/** Adverbs between a subject and its verb do not make the verb a noun: "only sync at night". */
const ADVERBS = new Set(['only', 'also', 'always', 'never', 'automatically', 'immediately', 'quickly', 'still', 'again']);

/** A compound whose words are near but apart ("entity relationship paths") still counts, a bit less. */
const LOOSE_COMPOUND_WEIGHT = 0.8;
const LOOSE_COMPOUND_SLACK = 2;

/** A request opening with these asks about state: "what filters are set up" wants a list, not a create. */
const QUESTION = new Set(['what', 'which', 'who', 'whom', 'where', 'when', 'whether', 'is', 'are', 'was', 'were', 'does', 'do', 'did', 'has', 'have']);
const HOW_TO = new Set(['do', 'to', 'can', 'should', 'would']);

const SINGULAR = new Set(['one', 'single', 'specific', 'particular', 'this', 'that', 'its', 'id']);
/** Words ending in "s" that do not ask for a list. */
const NOT_PLURAL = new Set(['details', 'status', 'settings', 'permissions', 'analytics', 'ads', 'access', 'progress', 'results', 'stats', 'metrics', 'is', 'was', 'has', 'does', 'its']);

type Phrase = string[];

interface Compiled {
  compounds: { phrase: Phrase; term: string }[];
  synonyms: { phrase: Phrase; terms: string[]; weight: number }[];
  verbs: { phrase: Phrase; classes: Partial<Record<Verb, number>>; noun: boolean }[];
  /** Every plain word the tables know, for typo correction. */
  words: Set<string>;
}

/** Compound terms ("trackingplan") are already terms; plain words are stemmed like everything else. */
const COMPOUND_TERMS = new Set(COMPOUNDS.map(([, t]) => t));
const termOf = (w: string) => (COMPOUND_TERMS.has(w) ? w : stem(w));
const phraseOf = (text: string): Phrase => spelledTokens(text).map((t) => t.light);

let compiled: Compiled | undefined;

/** The vocabulary tables with every phrase normalised, built once. Longest phrases first so they win. */
function vocab(): Compiled {
  if (compiled) return compiled;
  const byLength = <T extends { phrase: Phrase }>(a: T, b: T) => b.phrase.length - a.phrase.length;
  const words = new Set<string>();
  const note = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).forEach((w) => w && words.add(w));
  [...COMPOUNDS, ...SYNONYMS, ...VERBS].forEach(([p]) => note(p));
  compiled = {
    compounds: COMPOUNDS.map(([p, term]) => ({ phrase: phraseOf(p), term })).sort(byLength),
    synonyms: SYNONYMS.map(([p, t, weight]) => ({ phrase: phraseOf(p), terms: t.split(/\s+/).map(termOf), weight })).sort(byLength),
    verbs: VERBS.map(([p, classes, kind]) => ({ phrase: phraseOf(p), classes, noun: kind === 'noun' })).sort(byLength),
    words,
  };
  return compiled;
}

export function vocabularyWords(): Set<string> {
  return vocab().words;
}

function spelledTokens(text: string, correct?: (w: string) => string): Token[] {
  const out: Token[] = [];
  for (const t of tokens(text)) {
    const fixed = correct && !t.stop && !t.quoted ? correct(t.word) : t.word;
    const spelled = SPELLING[fixed] ?? fixed;
    if (spelled === t.word) out.push(t);
    else out.push(...spelled.split(/\s+/).map((w) => token(w, t.quoted)));
  }
  return out;
}

/** Token positions (into `toks`) where `phrase` starts in the sequence `seq` of positions. */
function matchAt(toks: Token[], seq: number[], k: number, phrase: Phrase): number[] | undefined {
  if (k + phrase.length > seq.length) return undefined;
  for (let j = 0; j < phrase.length; j++) if (toks[seq[k + j]!]!.light !== phrase[j]) return undefined;
  return seq.slice(k, k + phrase.length);
}

/** Content terms of a tool's text: stop words and operation words out, compounds joined. */
export function docTerms(text: string): string[] {
  const toks = spelledTokens(text).filter((t) => !t.stop);
  const seq = toks.map((_, i) => i);
  const out: string[] = [];
  for (let k = 0; k < seq.length; ) {
    const hit = vocab().compounds.find((c) => matchAt(toks, seq, k, c.phrase));
    out.push(hit ? hit.term : toks[k]!.stem);
    k += hit ? hit.phrase.length : 1;
  }
  return out.filter((t) => !OPERATION_WORDS.has(t));
}

export interface AnalyzedQuery {
  /** Content terms with weights: the request's own words up to 1, synonyms their table weight. */
  terms: Map<string, number>;
  /** Terms written in the request itself, with their weight: the mass a good match should explain. */
  own: Map<string, number>;
  /** For a term added by a synonym, the request's terms it stands for and how well ("regul" <- "gdpr" 1). */
  explains: Map<string, Map<string, number>>;
  /** Operations the request asks for, with weights. Empty when it names none. */
  verbs: Map<Verb, number>;
  /** Terms written as the verb ("invite", "deploy"): they name the tool's object as fully as a noun. */
  verbTerms: Set<string>;
}

/** Analyses a request. `correct` maps a word the index does not know to the closest one it does. */
export function analyzeQuery(text: string, correct?: (w: string) => string): AnalyzedQuery {
  const v = vocab();
  const spelled = spelledTokens(text, correct);
  const toks = spelled.filter((t) => !t.quoted);
  const full = toks.map((_, i) => i);
  const content = full.filter((i) => !toks[i]!.stop);

  const compounds = new Map<number, { term: string; at: number[] }>();
  for (let k = 0; k < content.length; ) {
    let at: number[] | undefined;
    const hit = v.compounds.find((c) => (at = matchAt(toks, content, k, c.phrase)));
    if (hit && at) for (const i of at) compounds.set(i, { term: hit.term, at });
    k += hit ? hit.phrase.length : 1;
  }
  const verbs = findVerbs(toks, full, new Set(compounds.keys()), v);

  // Each content word is weighed by its role: the object (1), a context after a preposition (0.6), or
  // the verb itself (0.5: "track", "deploy" still match slugs, but the operation is scored on its own).
  const role: number[] = [];
  let context = false;
  toks.forEach((t, i) => {
    if (PREPOSITIONS.has(t.word)) context = true;
    else if (t.word === 'and' || t.word === 'or' || verbs.at.has(i)) context = false;
    role[i] = verbs.at.has(i) ? VERB_WEIGHT : context ? CONTEXT_WEIGHT : 1;
  });

  const terms = new Map<string, number>();
  const own = new Map<string, number>();
  const put = (m: Map<string, number>, t: string, w: number) => m.set(t, Math.max(m.get(t) ?? 0, w));
  const termAt = (i: number) => compounds.get(i)?.term ?? toks[i]!.stem;
  const verbTerms = new Set<string>();
  for (const i of content) {
    const term = termAt(i);
    if (OPERATION_WORDS.has(term)) continue;
    const at = compounds.get(i)?.at ?? [i];
    const word = toks[i]!.word;
    const shade = GENERIC.has(term) ? GENERIC_WEIGHT : at.length === 1 && word.endsWith('ed') && word.length > 4 ? PARTICIPLE_WEIGHT : 1;
    const weight = shade * Math.max(...at.map((j) => role[j]!));
    put(terms, term, weight);
    if (!at.every((j) => verbs.at.has(j))) put(own, term, weight);
    else verbTerms.add(term);
  }
  looseCompounds(toks, content, compounds, (t, w) => put(terms, t, w * LOOSE_COMPOUND_WEIGHT), role);
  for (const t of spelled) if (t.quoted && !t.stop) put(terms, t.stem, QUOTED_WEIGHT);

  // Synonyms match on the request with and without its stop words ("who has access", "merge identities").
  const explains = new Map<string, Map<string, number>>();
  for (const seq of [full, content]) {
    for (let k = 0; k < seq.length; k++) {
      for (const s of v.synonyms) {
        const at = matchAt(toks, seq, k, s.phrase);
        if (!at) continue;
        for (const t of s.terms) {
          put(terms, t, s.weight);
          const from = explains.get(t) ?? new Map<string, number>();
          at.forEach((i) => from.set(termAt(i), Math.max(from.get(termAt(i)) ?? 0, s.weight)));
          explains.set(t, from);
        }
      }
    }
  }
  numberCue(toks, role, verbs.classes);
  return { terms, own, explains, verbs: verbs.classes, verbTerms };
}

/** Compounds whose words appear in order with a little in between ("entity relationship paths"). */
function looseCompounds(toks: Token[], content: number[], joined: Map<number, unknown>, add: (t: string, w: number) => void, role: number[]) {
  for (const c of vocab().compounds) {
    if (c.phrase.length < 2) continue;
    let k = 0;
    const at: number[] = [];
    for (const part of c.phrase) {
      while (k < content.length && toks[content[k]!]!.light !== part) k++;
      if (k === content.length) break;
      at.push(k++);
    }
    if (at.length !== c.phrase.length || at[at.length - 1]! - at[0]! > c.phrase.length - 1 + LOOSE_COMPOUND_SLACK) continue;
    if (at.every((p) => joined.has(content[p]!))) continue;
    add(c.term, Math.min(...at.map((p) => role[content[p]!]!)));
  }
}

/**
 * The operations a request asks for. Longest phrase wins at each position. Not verbs: words inside a
 * compound ("tracking plan"), past participles ("the connected sources", "user added to cart"), and an
 * "-ing" word right after a verb ("stop sending": the operation is stopping).
 */
function findVerbs(toks: Token[], full: number[], inCompound: Set<number>, v: Compiled) {
  const classes = new Map<Verb, number>();
  const at = new Set<number>();
  let lastEnd = -1;
  for (let k = 0; k < full.length; ) {
    const word = toks[k]!.word;
    const skip = inCompound.has(k) || (word.endsWith('ed') && word.length > 4) || (k === lastEnd && word.endsWith('ing'));
    const asNoun = nounPosition(toks, k, lastEnd);
    let span: number[] | undefined;
    const hit = skip ? undefined : v.verbs.find((x) => (!asNoun || x.noun) && (span = matchAt(toks, full, k, x.phrase)));
    if (!hit || !span) {
      k++;
      continue;
    }
    for (const [cls, w] of Object.entries(hit.classes) as [Verb, number][]) classes.set(cls, Math.max(classes.get(cls) ?? 0, w));
    for (const i of span) at.add(i);
    k += span.length;
    lastEnd = k;
  }
  if (isQuestion(toks)) {
    for (const [cls, w] of classes) if (cls !== 'list' && cls !== 'get') classes.set(cls, w * 0.5);
    classes.set('list', Math.max(classes.get('list') ?? 0, 0.8));
    classes.set('get', Math.max(classes.get('get') ?? 0, 0.8));
  }
  return { classes, at };
}

/**
 * A verb word right after an article or a noun is a noun: "an audience preview", "the sync", "bulk
 * import". After punctuation, another verb or a word like "to" it is a verb again.
 */
function nounPosition(toks: Token[], k: number, lastVerbEnd: number): boolean {
  const t = toks[k]!;
  if (k === 0 || t.starts || k === lastVerbEnd) return false;
  const prev = toks[k - 1]!;
  return DETERMINERS.has(prev.word) || (PREPOSITIONS.has(prev.word) && prev.word !== 'to') || prev.word === 'of' || (!prev.stop && !ADVERBS.has(prev.word));
}

const DETERMINERS = new Set(['a', 'an', 'the', 'this', 'that', 'these', 'those', 'my', 'our', 'your', 'their', 'its', 'his', 'her']);

function isQuestion(toks: Token[]): boolean {
  const first = toks[0]?.word;
  if (!first) return false;
  if (first === 'how') return !HOW_TO.has(toks[1]?.word ?? '');
  return QUESTION.has(first);
}

/**
 * "show the sources" wants a list, "show source X" or "one source" wants a get: when the request leaves
 * list-or-get open, the grammatical number of what it names decides.
 */
function numberCue(toks: Token[], role: number[], verbs: Map<Verb, number>): void {
  const list = verbs.get('list') ?? 0;
  const get = verbs.get('get') ?? 0;
  if (!list && !get) return;
  // Only the object counts: in "mappings on this destination" the number of "destination" says nothing.
  const object = (i: number) => role[i] === 1;
  const singular = toks.some((t, i) => SINGULAR.has(t.word) && (t.word === 'id' || object(i + 1)));
  const plural = toks.some((t, i) => object(i) && !t.stop && t.light !== t.word && !NOT_PLURAL.has(t.word));
  if (plural && !singular) {
    verbs.set('list', Math.max(list, get));
    verbs.set('get', get * 0.9);
  } else if (singular && !plural) {
    verbs.set('get', Math.max(list, get));
    verbs.set('list', list * 0.9);
  }
}
