import { docTerms, matchAt, OPERATION_WORDS, spelledTokens, startingAt, vocab } from './lexicon.js';
import { stem, type Token } from './text.js';
import { findVerbs, numberCue, PREPOSITIONS } from './verbs.js';
import { COMPOUND_IMPLIES, GROUP_CALL_CUES, type Verb } from './vocabulary.js';

/**
 * Turns a request into what the ranking reads: content terms weighted by their role (object, context,
 * verb, quoted name), Segment compounds joined, synonyms added with what they stand for, and the
 * operations asked for.
 */

export { docTerms };

const CONTEXT_WEIGHT = 0.6;
const VERB_WEIGHT = 0.5;
const QUOTED_WEIGHT = 0.3;
/** Words that say little about which tool: "data", "the old one". Participles describe ("connected to"). */
const GENERIC = new Set(['data', 'info', 'information', 'thing', 'stuff', 'item', 'detail', 'old', 'stale', 'unused', 'current', 'whole', 'time'].map(stem));
const GENERIC_WEIGHT = 0.3;
const PARTICIPLE_WEIGHT = 0.5;
/** Words naming one resource ("ios" in "the ios source"): they pick the instance, not the tool. */
const NAME_WEIGHT = 0.3;
/** A user's attribute, unless "a"/"an" or the plural makes it a thing ("send an email", "delete emails"). */
const ATTRIBUTES = new Set(['email', 'phone']);
/** A word followed by an id pasted into the request: "source src_22", "audience aud_1". */
const ID_AFTER = /([a-z]+)\s+[a-z]{1,6}[_-][a-z0-9]*\d[a-z0-9]*\b/gi;
/** Possessives that make a noun an end user's own ("their subscription"). */
const PERSONAL = new Set(['their', 'his', 'her']);
/** Who does things a track call records. */
const ACTORS = new Set(['user', 'users', 'customer', 'customers', 'visitor', 'visitors', 'shopper', 'someone', 'somebody', 'person', 'player', 'buyer', 'subscriber', 'listener', 'reader', 'viewer', 'guest', 'client', 'they', 'he', 'she', 'member', 'patient', 'student', 'driver', 'rider', 'learner']);
/** Requests about workspace access, where a bare unknown word may be a person. */
const IAM_CUES = new Set(['team', 'permission', 'role', 'access', 'admin', 'owner', 'member', 'invite', 'workspace', 'grant', 'revoke', 'offboard', 'onboard', 'promote', 'demote', 'teammate']);
const PERSON_BEFORE = new Set(['is', 'does', 'can', 'for', 'of', 'has', 'did', 'was']);
const PERSON_WEIGHT = 0.7;
/** A synonym said in the context must be this close to count as naming the context. */
const CONTEXT_SYNONYM = 0.7;

/** Resources a request names by a name or type before them: "the ios source", "the analysts group". */
const NAMED_HEADS = new Set([
  'source', 'destination', 'warehouse', 'audience', 'space', 'function', 'group', 'team', 'model', 'filter', 'mapping',
  'subscription', 'label', 'credential', 'transformation', 'workspace', 'integration', 'connector', 'activation', 'instance',
  'trackingplan', 'usergroup', 'insertfunction', 'computedtrait', 'liveplugin', 'writekey', 'event', 'reversetl', 'sync', 'job',
]);
/** What a capitalised name in the object's place says about an event. */
const EVENT_NAME_WEIGHT = 0.5;
/** Words that introduce a name. */
const NAMING = new Set(['called', 'named', 'titled']);
/** Heads whose modifiers are names only when no tool knows them ("the Wishlist event", not "unplanned events"). */
const STRICT_HEADS = new Set(['event']);
/** Words that make an operation temporary: a pause ("for a while"), not a removal. */
const TEMPORARY: string[][] = [['for', 'a', 'while'], ['temporarily'], ['for', 'now'], ['until']];

/** A compound whose words are near but apart ("entity relationship paths") still counts, a bit less. */
const LOOSE_COMPOUND_WEIGHT = 0.8;
const LOOSE_COMPOUND_SLACK = 2;

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
  /** Terms only ever written after a preposition ("users in this group"): where, not what. */
  contextTerms: Set<string>;
  /** Nouns an end user owns ("their subscription"): not workspace resources. */
  personal: Set<string>;
  /** Every word of the request's object is one no tool knows ("schedule a meeting"). */
  strangeObject: boolean;
  /** Nouns a word no tool knows qualifies ("invite" in "a calendar invite"): likely not the tools' thing. */
  foreign: Set<string>;
}

/** What the index knows, for reading a request against it. All optional: use cases are read without. */
export interface QueryLexicon {
  /** A word the index does not know -> the closest one it does (typos). */
  correct?: (w: string) => string;
  /** Whether a term is one tools are named by (slug or title words). */
  defining?: (term: string) => boolean;
  /** Whether some tool or the vocabulary uses a word at all. */
  known?: (word: string) => boolean;
}

/** Analyses a request. */
export function analyzeQuery(text: string, lexicon: QueryLexicon = {}): AnalyzedQuery {
  const { correct, defining, known } = lexicon;
  const v = vocab();
  const spelled = spelledTokens(text, correct);
  const toks = spelled.filter((t) => !t.quoted);
  const full = toks.map((_, i) => i);
  const content = full.filter((i) => !toks[i]!.stop);

  const compounds = new Map<number, { term: string; at: number[] }>();
  for (let k = 0; k < content.length; ) {
    let at: number[] | undefined;
    const hit = startingAt(v.compoundsAt, toks, content, k).find((c) => (at = matchAt(toks, content, k, c.phrase)));
    if (hit && at) for (const i of at) compounds.set(i, { term: hit.term, at });
    k += hit ? hit.phrase.length : 1;
  }
  const verbs = findVerbs(toks, full, new Set(compounds.keys()), v);
  // "stop sending to the destination for a while" pauses it: less a deletion, removal or cancellation.
  if (TEMPORARY.some((p) => toks.some((_, i) => p.every((w, j) => toks[i + j]?.word === w)))) {
    for (const c of ['delete', 'remove', 'cancel'] as const) if (verbs.classes.has(c)) verbs.classes.set(c, verbs.classes.get(c)! * 0.5);
  }
  // "the analysts group", "which groups is alice in": a group on its own is a workspace user group.
  // The tracking group call is about companies and accounts, and says so.
  if (!toks.some((t) => GROUP_CALL_CUES.has(t.light))) {
    for (const i of content) if (toks[i]!.light === 'group' && !compounds.has(i) && !verbs.at.has(i)) compounds.set(i, { term: 'usergroup', at: [i] });
  }
  const names = defining ? nameModifiers(toks, compounds, verbs.at, defining, known) : new Set<number>();

  // Each content word is weighed by its role: the object (1), a context after a preposition (0.6), or
  // the verb itself (0.5: "track", "deploy" still match slugs, but the operation is scored on its own).
  const role: number[] = [];
  let context = false;
  toks.forEach((t, i) => {
    // "out of the plan", "off of the source": where from, as "from" would say.
    if (PREPOSITIONS.has(t.word) || (t.word === 'of' && ['out', 'off'].includes(toks[i - 1]?.word ?? ''))) context = true;
    else if (t.word === 'and' || t.word === 'or' || verbs.at.has(i)) context = false;
    role[i] = verbs.at.has(i) ? VERB_WEIGHT : context ? CONTEXT_WEIGHT : 1;
  });
  // "which warehouses is the ios source loading into": the question's noun is what is asked for; other
  // resources in that clause only say where.
  const asked = questionObject(toks);
  if (asked) {
    for (let i = asked.end; i < toks.length && !toks[i]!.starts; i++) {
      const head = compounds.get(i)?.term ?? toks[i]!.light;
      if (role[i] === 1 && NAMED_HEADS.has(head) && !(compounds.get(i)?.at ?? [i]).some((j) => j < asked.end)) role[i] = CONTEXT_WEIGHT;
    }
  }

  const terms = new Map<string, number>();
  const own = new Map<string, number>();
  const put = (m: Map<string, number>, t: string, w: number) => m.set(t, Math.max(m.get(t) ?? 0, w));
  const termAt = (i: number) => compounds.get(i)?.term ?? toks[i]!.stem;
  const verbTerms = new Set<string>();
  const roles = new Map<string, number>();
  for (const i of content) {
    if (verbs.particles.has(i)) continue;
    const term = termAt(i);
    if (!compounds.has(i) && OPERATION_WORDS.has(toks[i]!.light)) continue;
    const at = compounds.get(i)?.at ?? [i];
    const word = toks[i]!.word;
    const shade = names.has(i) ? NAME_WEIGHT : GENERIC.has(term) ? GENERIC_WEIGHT : at.length === 1 && word.endsWith('ed') && word.length > 4 ? PARTICIPLE_WEIGHT : 1;
    const weight = shade * Math.max(...at.map((j) => role[j]!));
    put(terms, term, weight);
    put(roles, term, Math.max(...at.map((j) => role[j]!)));
    if (names.has(i)) continue;
    if (!at.every((j) => verbs.at.has(j))) put(own, term, weight);
    else verbTerms.add(term);
  }
  const contextTerms = new Set([...roles].filter(([, r]) => r === CONTEXT_WEIGHT).map(([t]) => t));
  const implied = new Map<string, Map<string, number>>();
  for (const [compound, term, w] of COMPOUND_IMPLIES) {
    const have = terms.get(compound);
    if (!have || terms.has(term)) continue;
    put(terms, term, have * w);
    implied.set(term, new Map([[compound, w]]));
    if (contextTerms.has(compound)) contextTerms.add(term);
  }
  looseCompounds(toks, content, compounds, (t, w) => put(terms, t, w * LOOSE_COMPOUND_WEIGHT), role);
  for (const t of spelled) if (t.quoted && !t.stop) put(terms, t.stem, QUOTED_WEIGHT);

  // Synonyms match on the request with and without its stop words ("who has access", "merge identities").
  // Longest first: inside "how many" the word "many" does not also mean a batch.
  const explains = new Map<string, Map<string, number>>(implied);
  const hits: { at: number[]; terms: string[]; weight: number }[] = [];
  const objectSynonyms = new Set<string>();
  const contextSynonyms = new Set<string>();
  for (const seq of [full, content]) {
    for (let k = 0; k < seq.length; k++) {
      for (const s of startingAt(v.synonymsAt, toks, seq, k)) {
        const at = matchAt(toks, seq, k, s.phrase);
        // A Segment compound is one term: "delivery overview" does not also mean "deliveries".
        // A name ("the ios source", "the braze destination") says which one, not which tool.
        // "an email" is a message to send, not a user's email address.
        const first = at && toks[at[0]!]!;
        const message = first && ATTRIBUTES.has(first.light) && (first.word !== first.light || ['a', 'an'].includes(toks[at[0]! - 1]?.word ?? ''));
        if (at && !message && !at.some((i) => compounds.has(i) || names.has(i))) hits.push({ at, terms: s.terms, weight: s.weight });
      }
    }
  }
  hits.sort((a, b) => b.at.length - a.at.length);
  const taken: number[][] = [];
  for (const h of hits) {
    if (taken.some((span) => span.length > h.at.length && h.at.every((i) => span.includes(i)))) continue;
    taken.push(h.at);
    // A synonym is no stronger than the words it stands for: in "tapped a button in the mobile app"
    // the app is where, and its screen only faintly a subject.
    const where = h.at.every((i) => role[i] === CONTEXT_WEIGHT) ? CONTEXT_WEIGHT : 1;
    for (const t of h.terms) {
      put(terms, t, h.weight * where);
      // ... and says where as its words do ("a filter in engage": the space is where).
      if (where === 1) objectSynonyms.add(t);
      else if (h.weight >= CONTEXT_SYNONYM) contextSynonyms.add(t);
      const from = explains.get(t) ?? new Map<string, number>();
      h.at.forEach((i) => from.set(termAt(i), Math.max(from.get(termAt(i)) ?? 0, h.weight)));
      explains.set(t, from);
    }
  }
  for (const t of contextSynonyms) if (!objectSynonyms.has(t) && (roles.get(t) ?? CONTEXT_WEIGHT) === CONTEXT_WEIGHT) contextTerms.add(t);
  // "take Newsletter Signup out of the plan": a capitalised name standing as the object, not naming a
  // resource after it, is by Segment's convention an event ("Order Completed").
  const modifies = (i: number) => {
    let j = i + 1;
    while (names.has(j) || (toks[j]?.stop && toks[j]?.capital)) j++;
    const next = toks[j];
    return !!next && !next.stop && NAMED_HEADS.has(compounds.get(j)?.term ?? next.light);
  };
  const eventName = content.some((i) => names.has(i) && toks[i]!.capital && role[i] === 1 && !modifies(i));
  if (eventName && !terms.has('event')) {
    put(terms, 'event', EVENT_NAME_WEIGHT);
    contextTerms.delete('event');
  }
  // "user 12 tapped Add to Wishlist": someone did something, in the past tense, that no synonym names.
  const said = new Set(taken.flat());
  toks.forEach((t, i) => {
    const prev = toks[i - 1];
    if ([...verbs.classes.keys()].some((c) => c !== 'send') || !prev || said.has(i) || t.quoted || !(t.word.endsWith('ed') && t.word.length > 4) || !ACTORS.has(prev.word)) return;
    for (const [term, w] of [['track', 0.7], ['event', 0.5]] as const) {
      put(terms, term, w);
      explains.set(term, new Map([...(explains.get(term) ?? []), [termAt(i), w]]));
    }
  });
  // "kick dave out of the admins group", "which groups is alice in": about workspace access, a bare
  // word nobody uses, right after the verb, is a person.
  if (known && (terms.has('usergroup') || toks.some((t) => IAM_CUES.has(t.light)))) {
    toks.forEach((t, i) => {
      const prev = toks[i - 1];
      if (t.stop || t.quoted || known(t.word) || !prev || t.starts || !(verbs.at.has(i - 1) || PERSON_BEFORE.has(prev.word))) return;
      said.add(i);
      const w = PERSON_WEIGHT * (asked && i >= asked.end ? CONTEXT_WEIGHT : role[i]!);
      put(terms, 'user', w);
      if (w === PERSON_WEIGHT * CONTEXT_WEIGHT) contextTerms.add('user');
      explains.set('user', new Map([...(explains.get('user') ?? []), [termAt(i), PERSON_WEIGHT]]));
    });
  }
  // "a calendar invite", "a shopping list": a word no tool knows, right before the noun, makes it some
  // other thing than the tool's (unlike names of resources: "the ios source").
  const foreign = new Set<string>();
  if (known) {
    for (let i = 0; i + 1 < toks.length; i++) {
      const t = toks[i]!;
      const next = toks[i + 1]!;
      if (t.stop || t.quoted || names.has(i) || verbs.at.has(i) || known(t.word) || next.stop || next.starts || verbs.at.has(i + 1)) continue;
      const head = compounds.get(i + 1)?.term ?? next.light;
      if (!NAMED_HEADS.has(head)) foreign.add(termAt(i + 1));
    }
  }
  // "schedule a meeting with the team": when every word of the object is one no tool knows, the
  // request is about something else, whatever its verb and context say.
  let strangeObject = false;
  if (known) {
    const object = content.filter((i) => role[i] === 1 && !names.has(i) && !verbs.particles.has(i) && !GENERIC.has(termAt(i)) && !OPERATION_WORDS.has(toks[i]!.light));
    strangeObject = object.length > 0 && object.every((i) => !known(toks[i]!.word) && !said.has(i));
  }
  // "their subscription", "her account": an end user's own things, not the workspace's resources.
  const personal = new Set<string>();
  toks.forEach((t, i) => {
    if (i > 0 && PERSONAL.has(toks[i - 1]!.word) && !t.stop) personal.add(termAt(i));
  });
  // "source src_22": an id right after the object names one of it ("filters on destination dst_1" does not).
  const specific = [...text.matchAll(ID_AFTER)].some((m) => toks.some((t, i) => t.word === m[1]!.toLowerCase() && role[i] === 1));
  numberCue(toks, role, verbs.classes, specific);
  return { terms, own, explains, verbs: verbs.classes, verbTerms, contextTerms, foreign, strangeObject, personal };
}

/** "which sources ...", "what destinations ...": where the noun phrase asked about ends. */
function questionObject(toks: Token[]): { end: number } | undefined {
  if (!['which', 'what'].includes(toks[0]?.word ?? '')) return undefined;
  let i = 1;
  while (i < toks.length && !toks[i]!.stop && !toks[i]!.starts) i++;
  return i > 1 ? { end: i } : undefined;
}

/**
 * Words right before a resource noun that are not words tools are named by: the resource's name or
 * type ("the ios source", "the Data Engineering group", "the braze destination"). "the failed
 * deliveries" or "the sync schedule" keep their weight: those words name what the tool does.
 */
function nameModifiers(
  toks: Token[],
  compounds: Map<number, { term: string; at: number[] }>,
  verbAt: Set<number>,
  defining: (term: string) => boolean,
  known?: (word: string) => boolean,
): Set<number> {
  const names = new Set<number>();
  // A capitalised word no tool knows, past the first word, is a name: "a group called Contractors",
  // "take Newsletter Signup out of the plan".
  // A run of capitalised words is one name when any of them is unknown ("Newsletter Signup").
  if (known) {
    for (let i = 1; i < toks.length; ) {
      let j = i;
      while (j < toks.length && toks[j]!.capital && !verbAt.has(j)) j++;
      const run = toks.slice(i, j).map((_, k) => i + k);
      if (run.some((k) => !toks[k]!.stop && !known(toks[k]!.word))) for (const k of run) if (!toks[k]!.stop) names.add(k);
      i = Math.max(j, i + 1);
    }
  }
  // "a group called Contractors": what follows "called" is the name, known words or not.
  toks.forEach((t, i) => {
    if (!NAMING.has(t.word)) return;
    names.add(i);
    for (let j = i + 1; j < toks.length && !toks[j]!.stop && !toks[j]!.starts; j++) names.add(j);
  });
  for (let h = 0; h < toks.length; h++) {
    const c = compounds.get(h);
    if (c && c.at[0] !== h) continue;
    const head = c?.term ?? toks[h]!.light;
    if (!NAMED_HEADS.has(head) || verbAt.has(h)) continue;
    for (let j = h - 1; j >= 0; j--) {
      const t = toks[j]!;
      if (t.stop || t.quoted || verbAt.has(j) || compounds.has(j) || toks[j + 1]!.starts) break;
      if (!defining(t.stem) && !OPERATION_WORDS.has(t.light) && !(STRICT_HEADS.has(head) && (!known || known(t.word)))) names.add(j);
    }
  }
  return names;
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

