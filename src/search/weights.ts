/**
 * Every number search uses, in one place. Field boosts go to MiniSearch; the rest are the project's
 * own steps, each kept because a blind-set ablation showed it earns its place (bench/README.md,
 * "Search: what each part earns"). Change one here and rerun `node scripts/eval-search.mjs FILE`.
 */
export const WEIGHTS = {
  /** A match in each field of a tool (MiniSearch `boost`; 0 reads as 1: switch a field off with a tiny number). `asked`: the labelled requests it serves. */
  fields: { slug: 1, object: 1, objectExact: 0.5, scope: 1.5, operation: 0.5, title: 1, tags: 1.5, useCases: 1, description: 0.5, params: 0.5, asked: 3 },
  /** How much the closest single use case of a tool adds to its score (a second index, one short request a document). */
  useCase: 3,
  /** How much the closest labelled request a tool serves adds to its score (examples.ts). */
  labelled: 3,
  /** And how much its second closest adds. */
  secondLabelled: 0.5,
  /** A query term matching as a prefix counts this much of an exact match (MiniSearch `weights.prefix`). */
  prefix: 0.3,
  /** BM25+ as MiniSearch scores a term in a field (its defaults): saturation k, length normalisation b, the floor d. */
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
  /** Shortest query term that may match as a prefix ("deleg" -> "delegate"). */
  prefixMinLength: 5,
  /** A tool whose operation the request does not ask for keeps this share of its score. */
  otherOperation: 0.7,
  /** A tool whose operation is a sibling of one asked for (delete/remove, create/add, update/replace) keeps this share of that one's fit (never less than another operation's). */
  siblingOperation: 0.9,
  /** An operation named after the first one counts this much. */
  laterOperation: 0.85,
  /** An operation asked inside a question ("what filters are set up") counts this much; reading counts fully. */
  questionOperation: 0.7,
  /** When no word of the request names an operation, reading is the safe guess: scores by access. */
  verbless: { read: 1, write: 0.85, destructive: 0.75 },
  /** A tool whose object is the thing the request asks for ("which sources...", "add a rule to...") multiplies its score by 1 + this. */
  askedObject: 0.2,
  /** Each known field the tool takes multiplies its score by 1 + this. */
  knownField: 0.25,
  /** A tool that finds an id the caller already holds (and does not take it) keeps this share of its score. */
  findsKnown: 0.8,
  /** Words of `minLength`+ letters are corrected within `distance` edits (swaps count 1), unless English uses them `englishWord`+ times in 51 million. */
  typo: { minLength: 3, distance: 1, longWord: 8, longDistance: 2, englishWord: 20 },
  /** Primaries after the first must score at least this share of the first. */
  keepRatio: 0.3,
  /**
   * Answer or not (decide.ts). `impliedKinds` / `genericVerbs` on: a catalog name's kind and the
   * generic verbs count as evidence (only to measure what leaving them out earns). `nearest`: how close
   * the request comes to the unserved labelled requests and to the served short requests (on each side
   * the closest's score plus `second` x the second closest's); a yes turns no when the unserved side
   * scores over (`overruleAt` + known share + `heldId` x the ids held that the best tool needs or takes) x the served; a no turns yes when the served side scores
   * `servedMin`+ and `servedRatio` x the unserved.
   */
  answer: { minKnownShare: 0.4, minNamingHits: 1, minUseCaseHits: 2, impliedKinds: false, genericVerbs: false, nearest: { unserved: true, second: 0.5, overruleAt: 0.3, heldId: 0.5, servedRatio: 1.5, servedMin: 5 } },
  /** What is analysed of a request at most: longer input is cut, never refused. */
  limits: { chars: 1000, words: 40, knownFields: 20 },
} as const;
