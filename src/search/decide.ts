import type { Ranked, ReadRequest } from './engine.js';
import { WEIGHTS } from './weights.js';

/**
 * Answer or not: a separate step from the ranking, calibrated on off-topic requests. A request is a
 * Segment request when most of its words are words the tools (or Segment's catalog) use, and the best
 * tool matched at least one of them where tools are named (slug, object, scope, title, tags), not only
 * in prose. "crop the logo to a square" fails the first; "what time is it" the second.
 */

/** Fields that name a tool; a match only in use cases, description or parameters is prose. */
const NAMING = new Set(['slug', 'object', 'scope', 'title', 'tags']);

export interface Decision {
  answer: boolean;
  /** Share of the request's content words that tools or the catalog know. */
  knownShare: number;
  /** Request terms the best tool matched where it is named, its own operation aside. */
  namingHits: string[];
  /** Request terms the best tool matched in its use cases. */
  useCaseHits: string[];
}

export function decide(read: ReadRequest, best: Ranked | undefined, operationTerm?: string): Decision {
  const knownShare = read.content ? read.known / read.content : 0;
  const namingHits = best ? Object.entries(best.match).filter(([term, fields]) => term !== operationTerm && fields.some((f) => NAMING.has(f))).map(([t]) => t).sort() : [];
  const useCaseHits = best ? Object.entries(best.match).filter(([, fields]) => fields.includes('useCases')).map(([t]) => t).sort() : [];
  const a = WEIGHTS.answer;
  const answer = !!best && knownShare >= a.minKnownShare && (namingHits.length >= a.minNamingHits || useCaseHits.length >= a.minUseCaseHits);
  return { answer, knownShare: Math.round(knownShare * 100) / 100, namingHits, useCaseHits };
}
