import { light, stem, token, tokens, type Token } from './text.js';
import { COMPOUNDS, SPELLING, SPLIT_VERBS, SYNONYMS, VERBS, type Verb } from './vocabulary.js';

/**
 * The vocabulary tables compiled for matching (phrases as light stems, longest first), and the
 * tokenising both sides share. A tool's text goes through `docTerms`; a request through analyze.ts.
 */

/** Verbs that only say which operation; the operation is scored from the slug, so they are not content. */
/**
 * Compared on the plural-folded word, not the stem: Porter folds "settings" into "set" and "views"
 * into "view", but settings are something tools have.
 */
export const OPERATION_WORDS = new Set(
  ['list', 'get', 'create', 'update', 'delete', 'remove', 'add', 'replace', 'show', 'fetch', 'retrieve', 'edit', 'modify', 'change', 'set', 'new', 'make', 'see', 'find', 'view', 'look', 'give', 'all', 'every', 'which', 'return', 'returns', 'lists', 'gets', 'creates', 'updates', 'deletes', 'removes', 'adds', 'replaces'].map(light),
);

export type Phrase = string[];

/** Entries keyed by their first word, longest phrase first: a lookup per word, not a scan per table. */
export type ByFirst<T> = Map<string, T[]>;

export interface Compiled {
  compounds: { phrase: Phrase; term: string }[];
  compoundsAt: ByFirst<{ phrase: Phrase; term: string }>;
  synonymsAt: ByFirst<{ phrase: Phrase; terms: string[]; weight: number }>;
  verbsAt: ByFirst<{ phrase: Phrase; classes: Partial<Record<Verb, number>>; noun: boolean; base?: string }>;
  /** Phrasal verbs whose particle may come after the object ("turn the source off"), keyed by the verb. */
  splitVerbsAt: ByFirst<{ phrase: Phrase; particle: Phrase; classes: Partial<Record<Verb, number>> }>;
  /** Every plain word the tables know, for typo correction. */
  words: Set<string>;
}

/** Compound terms ("trackingplan") are already terms; plain words are stemmed like everything else. */
const COMPOUND_TERMS = new Set(COMPOUNDS.map(([, t]) => t));
const termOf = (w: string) => (COMPOUND_TERMS.has(w) ? w : stem(w));
const phraseOf = (text: string): Phrase => spelledTokens(text).map((t) => t.light);

let compiled: Compiled | undefined;

/** The vocabulary tables with every phrase normalised, built once. Longest phrases first so they win. */
export function vocab(): Compiled {
  if (compiled) return compiled;
  const byLength = <T extends { phrase: Phrase }>(a: T, b: T) => b.phrase.length - a.phrase.length;
  const words = new Set<string>();
  const note = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).forEach((w) => w && words.add(w));
  [...COMPOUNDS, ...SYNONYMS, ...VERBS, ...SPLIT_VERBS].forEach(([p]) => note(p));
  const compounds = COMPOUNDS.map(([p, term]) => ({ phrase: phraseOf(p), term })).sort(byLength);
  compiled = {
    compounds,
    compoundsAt: byFirst(compounds),
    synonymsAt: byFirst(SYNONYMS.map(([p, t, weight]) => ({ phrase: phraseOf(p), terms: t.split(/\s+/).map(termOf), weight })).sort(byLength)),
    verbsAt: byFirst(
      VERBS.map(([p, classes, kind]) => ({ phrase: phraseOf(p), classes, noun: kind === 'noun', ...(kind === 'base' ? { base: p.split(' ')[0]! } : {}) })).sort(byLength),
    ),
    splitVerbsAt: byFirst(
      SPLIT_VERBS.map(([p, particle, classes]) => ({ phrase: phraseOf(p), particle: phraseOf(particle), classes })).sort((a, b) => b.particle.length - a.particle.length),
    ),
    words,
  };
  return compiled;
}

function byFirst<T extends { phrase: Phrase }>(entries: T[]): ByFirst<T> {
  const out: ByFirst<T> = new Map();
  for (const e of entries) {
    const key = e.phrase[0] ?? '';
    out.set(key, [...(out.get(key) ?? []), e]);
  }
  return out;
}

/** Entries of a table whose phrase could start at position k of the sequence. */
export function startingAt<T>(table: ByFirst<T>, toks: Token[], seq: number[], k: number): T[] {
  const i = seq[k];
  return i === undefined ? [] : (table.get(toks[i]!.light) ?? []);
}

export function vocabularyWords(): Set<string> {
  return vocab().words;
}

/** Tokens with spelling variants folded ("pageview" -> "page view") and, for requests, typos fixed. */
export function spelledTokens(text: string, correct?: (w: string) => string): Token[] {
  const out: Token[] = [];
  for (const t of tokens(text)) {
    const fixed = correct && !t.stop && !t.quoted ? correct(t.word) : t.word;
    const spelled = SPELLING[fixed] ?? fixed;
    if (spelled === t.word) out.push(t);
    else out.push(...spelled.split(/\s+/).map((w, k) => ({ ...token(w, t.quoted), ...(k === 0 ? { starts: t.starts } : {}), ...(t.capital ? { capital: true } : {}) })));
  }
  return out;
}

/** Token positions (into `toks`) where `phrase` starts in the sequence `seq` of positions. */
export function matchAt(toks: Token[], seq: number[], k: number, phrase: Phrase): number[] | undefined {
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
    const hit = startingAt(vocab().compoundsAt, toks, seq, k).find((c) => matchAt(toks, seq, k, c.phrase));
    if (hit || !OPERATION_WORDS.has(toks[k]!.light)) out.push(hit ? hit.term : toks[k]!.stem);
    k += hit ? hit.phrase.length : 1;
  }
  return out;
}

