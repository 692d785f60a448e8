import type { Token } from './text.js';
import type { Verb } from './vocabulary.js';
import { matchAt, startingAt, type Compiled } from './lexicon.js';

/**
 * Which operation a request asks for: verb phrases found where a verb can stand, read as a question
 * or a command, with the grammatical number of the object choosing between list and get.
 */

/** Words after these name where the object lives ("sources in the workspace"), not the object. */
export const PREPOSITIONS = new Set(['in', 'from', 'on', 'for', 'across', 'within', 'into', 'to', 'at', 'inside', 'under', 'with']);
/** Adverbs between a subject and its verb do not make the verb a noun: "only sync at night". */
const ADVERBS = new Set(['only', 'also', 'always', 'never', 'automatically', 'immediately', 'quickly', 'still', 'again']);

/** A request opening with these asks about state: "what filters are set up" wants a list, not a create. */
const QUESTION = new Set(['what', 'which', 'who', 'whom', 'where', 'when', 'whether', 'is', 'are', 'was', 'were', 'does', 'do', 'did', 'has', 'have']);
const HOW_TO = new Set(['do', 'to', 'can', 'should', 'would']);

const SINGULAR = new Set(['one', 'single', 'specific', 'particular', 'this', 'that', 'its', 'id']);
const PLURAL = new Set(['everyone', 'everybody', 'all', 'every']);
/** Words ending in "s" that do not ask for a list. */
const NOT_PLURAL = new Set(['details', 'status', 'settings', 'permissions', 'analytics', 'ads', 'access', 'progress', 'results', 'stats', 'metrics', 'is', 'was', 'has', 'does', 'its']);

/**
 * The operations a request asks for. Longest phrase wins at each position. Not verbs: words inside a
 * compound ("tracking plan"), past participles ("the connected sources", "user added to cart"), and an
 * "-ing" word right after a verb ("stop sending": the operation is stopping).
 */
export function findVerbs(toks: Token[], full: number[], inCompound: Set<number>, v: Compiled) {
  const classes = new Map<Verb, number>();
  const at = new Set<number>();
  /** Particles of split phrasal verbs ("off" in "turn the source off"): grammar, not content. */
  const particles = new Set<number>();
  // A request opening with a question reads state, but only in that clause: "how big would this
  // audience be? dry run the definition" then asks for a dry run.
  const questionEnds = isQuestion(toks) ? clauseEnd(toks) : 0;
  const put = (cls: Verb, w: number) => classes.set(cls, Math.max(classes.get(cls) ?? 0, w));
  let lastEnd = -1;
  let commanded = false;
  for (let k = 0; k < full.length; ) {
    const word = toks[k]!.word;
    const skip = inCompound.has(k) || (word.endsWith('ed') && word.length > 4) || (k === lastEnd && word.endsWith('ing'));
    const asNoun = nounPosition(toks, k, lastEnd);
    let span: number[] | undefined;
    // A particle after the object ("turn the ios source back on") decides before the bare verb does.
    const split = skip || asNoun ? undefined : splitVerb(toks, k, v);
    const hit = split ?? (skip ? undefined : startingAt(v.verbsAt, toks, full, k).find((x) => (!asNoun || x.noun) && (!x.base || x.base === word) && (span = matchAt(toks, full, k, x.phrase))));
    if (split) span = split.span;
    if (!hit || !span) {
      k++;
      continue;
    }
    const inQuestion = k < questionEnds;
    commanded ||= !inQuestion;
    for (const [cls, w] of Object.entries(hit.classes) as [Verb, number][]) put(cls, inQuestion && cls !== 'list' && cls !== 'get' ? w * 0.5 : w);
    for (const i of span) at.add(i);
    if (split) for (const i of split.span.slice(split.headLength)) particles.add(i);
    k += split ? split.headLength : span.length;
    // After a process noun ("a new group") the next word is still a noun.
    if (!('noun' in hit && hit.noun)) lastEnd = k;
  }
  if (questionEnds && !commanded) {
    put('list', 0.8);
    put('get', 0.8);
  }
  return { classes, at, particles };
}

/** Words between a phrasal verb and its particle: the object, a few words at most. */
const PARTICLE_GAP = 5;

/**
 * "turn the ios source back on", "kick dave out of the group", "hook the source up to snowflake": the verb,
 * then its object, then the particle. The particle must end the clause or be followed by a preposition,
 * "again", "now"... never by an article or a noun ("turn the filter on the amplitude destination" is
 * "on" as a preposition).
 */
function splitVerb(toks: Token[], k: number, v: Compiled): { classes: Partial<Record<Verb, number>>; span: number[]; headLength: number } | undefined {
  for (const e of startingAt(v.splitVerbsAt, toks, toks.map((_, i) => i), k)) {
    const head = matchAt(toks, toks.map((_, i) => i), k, e.phrase);
    if (!head) continue;
    const from = k + e.phrase.length;
    for (let j = from; j <= from + PARTICLE_GAP && j + e.particle.length <= toks.length; j++) {
      if (j > from && toks[j]!.starts) break;
      if (!e.particle.every((w, i) => toks[j + i]!.light === w && (i === 0 || !toks[j + i]!.starts))) continue;
      const after = toks[j + e.particle.length];
      if (j > from && after && !after.starts && (DETERMINERS.has(after.word) || (!after.stop && !AFTER_PARTICLE.has(after.word)))) continue;
      return { classes: e.classes, span: [...head, ...e.particle.map((_, i) => j + i)], headLength: head.length };
    }
  }
  return undefined;
}

/** Content words that may follow a particle without making it a preposition. */
const AFTER_PARTICLE = new Set(['again', 'now', 'temporarily', 'permanently', 'completely', 'entirely', 'please', 'immediately', 'today', 'tonight', 'tomorrow']);

/** Where the first clause ends: the first word after sentence punctuation, or the end. */
function clauseEnd(toks: Token[]): number {
  const next = toks.findIndex((t, i) => i > 0 && t.starts);
  return next < 0 ? toks.length : next;
}

/**
 * A verb word right after an article or a noun is a noun: "an audience preview", "the sync", "bulk
 * import". After punctuation, another verb or a word like "to" it is a verb again.
 */
function nounPosition(toks: Token[], k: number, lastVerbEnd: number): boolean {
  const t = toks[k]!;
  if (k === 0 || t.starts || k === lastVerbEnd) return false;
  const prev = toks[k - 1]!;
  // After "is", "are", "been": a state ("how the destination is set up"), not an operation asked for.
  return BE.has(prev.word) || DETERMINERS.has(prev.word) || (PREPOSITIONS.has(prev.word) && prev.word !== 'to') || prev.word === 'of' || (!prev.stop && !ADVERBS.has(prev.word));
}

const BE = new Set(['is', 'are', 'was', 'were', 'been', 'be', 'being']);
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
export function numberCue(toks: Token[], role: number[], verbs: Map<Verb, number>, specific = false): void {
  const list = verbs.get('list') ?? 0;
  const get = verbs.get('get') ?? 0;
  if (!list && !get) return;
  // Only the object counts: in "mappings on this destination" the number of "destination" says nothing.
  const object = (i: number) => role[i] === 1;
  const plural = toks.some((t, i) => PLURAL.has(t.word) || (object(i) && !t.stop && t.light !== t.word && !NOT_PLURAL.has(t.word)));
  // An id pasted in ("source src_22") names one thing, unless the request asks for several of something.
  // "the id of the marketing source" is looked up in a list; "by its id" names one.
  const singular = (specific && !plural) || toks.some((t, i) => SINGULAR.has(t.word) && (t.word === 'id' ? toks[i + 1]?.word !== 'of' : object(i + 1)));
  if (plural && !singular) {
    verbs.set('list', Math.max(list, get));
    verbs.set('get', get * 0.9);
  } else if (singular && !plural) {
    verbs.set('get', Math.max(list, get));
    verbs.set('list', list * 0.9);
  }
}
