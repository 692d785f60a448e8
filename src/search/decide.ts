import type { Nearest, Ranked, ReadRequest } from './engine.js';
import { OPERATION_WORDS } from './operations.js';
import { WEIGHTS } from './weights.js';
import { stem } from './words.js';

/**
 * Answer or not, apart from the ranking. A request is Segment's when at least a share of its content
 * words are the tools' (or the catalog's) and the best tool matched one where tools are named, not only
 * in prose ("crop the logo to a square" fails the first, "what time is it" the second). Neither the
 * kind a catalog name implies ("create a campaign in Mailchimp") nor the generic verbs every product
 * has (create, list, delete...) are evidence; recording verbs are (what Segment is for). Then the
 * labelled requests have their say: closer to one no tool serves than to any served one, it is not
 * Segment's; much closer to a served one, it is, whatever its words.
 */
/** Fields that name a tool; a match only in use cases, description or parameters is prose. */
const NAMING = new Set(['slug', 'object', 'objectExact', 'scope', 'title', 'tags']);
const OBJECT = new Set(['object', 'objectExact', 'scope']);
/** The generic verbs, as written and stemmed (the unstemmed object field matches them as written): every operation's words but sending data's. */
const GENERIC_VERBS = new Set(
  Object.entries(OPERATION_WORDS)
    .filter(([op]) => op !== 'send')
    .flatMap(([, ws]) => ws.split(' '))
    .flatMap((w) => [w, stem(w)]),
);

export interface Decision {
  answer: boolean;
  /** Share of the request's content words that tools or the catalog know. */
  knownShare: number;
  /** Request terms the best tool matched where it is named, generic verbs and implied kinds aside. */
  namingHits: string[];
  /** Request terms the best tool matched in its use cases, generic verbs and implied kinds aside. */
  useCaseHits: string[];
  /** The closest labelled requests' scores, and whether they changed the answer. */
  nearest: Nearest & { overruled: boolean };
}

export function decide(read: ReadRequest, best: Ranked | undefined, nearest: Nearest, operationTerm?: string, heldIds: string[] = []): Decision {
  const a = WEIGHTS.answer;
  const knownShare = read.content ? read.known / read.content : 0;
  // "Switch Google Ads off" is answered by the labelled requests like it, not by the kind the name implies.
  const implied = new Set(a.impliedKinds ? [] : read.implied);
  // A term is evidence unless the request only implied it, or it is a generic verb not naming the tool's object.
  const evidence = ([term, fields]: [string, string[]]) =>
    term !== operationTerm && !implied.has(term) && (a.genericVerbs || !GENERIC_VERBS.has(term) || fields.some((f) => OBJECT.has(f)));
  const matched = best ? Object.entries(best.match).filter(evidence) : [];
  // An id the caller holds that the best tool needs or takes names its object as well as a word would ("delete fn_tmp9" with a functionId).
  const namingHits = [...matched.filter(([, fields]) => fields.some((f) => NAMING.has(f))).map(([t]) => t), ...heldIds].sort();
  const useCaseHits = matched.filter(([, fields]) => fields.includes('useCases')).map(([t]) => t).sort();
  const byWords = !!best && knownShare >= a.minKnownShare && (namingHits.length >= a.minNamingHits || useCaseHits.length >= a.minUseCaseHits);
  const n = a.nearest;
  const answer = byWords
    ? // The surer the words (and each id held that the tool needs or takes), the further ahead the unserved neighbour must be to overrule them.
      !(n.unserved && nearest.unserved > nearest.served * (n.overruleAt + knownShare + n.heldId * heldIds.length))
    : !!best && nearest.served >= n.servedMin && nearest.served >= n.servedRatio * nearest.unserved;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    answer,
    knownShare: round(knownShare),
    namingHits,
    useCaseHits,
    nearest: { served: round(nearest.served), unserved: round(nearest.unserved), overruled: answer !== byWords },
  };
}
