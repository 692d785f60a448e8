/**
 * Every number search uses, in one place. Field boosts go to MiniSearch; the rest are the project's
 * own steps, each kept because a blind-set ablation showed it earns its place (bench/README.md,
 * "Search: what each part earns"). Change one here and rerun `node scripts/eval-search.mjs FILE`.
 */
export const WEIGHTS = {
  /**
   * How much a match in each field of a tool counts (MiniSearch `boost`; it reads 0 as 1, so a field is
   * switched off with a tiny number). `asked`: the labelled requests the tool serves, as one text.
   */
  fields: {
    slug: 1,
    object: 1,
    objectExact: 0.5,
    scope: 1.5,
    operation: 0.5,
    title: 1,
    tags: 1.5,
    useCases: 1,
    description: 0.5,
    params: 0.5,
    asked: 3,
  },
  /** How much the closest single use case of a tool adds to its score (a second index, one short request a document). */
  useCase: 3,
  /** How much the closest labelled request a tool serves adds to its score (examples.ts). */
  labelled: 3,
  /** A query term matching as a prefix counts this much of an exact match (MiniSearch `weights.prefix`). */
  prefix: 0.3,
  /** BM25+ as MiniSearch scores a term in a field (its defaults): saturation k, length normalisation b, the floor d. */
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
  /** Shortest query term that may match as a prefix ("deleg" -> "delegate"). */
  prefixMinLength: 5,
  /** A tool whose operation the request does not ask for keeps this share of its score. */
  otherOperation: 0.7,
  /** An operation asked inside a question ("what filters are set up") counts this much; reading counts fully. */
  questionOperation: 0.8,
  /** When no word of the request names an operation, reading is the safe guess: scores by access. */
  verbless: { read: 1, write: 0.85, destructive: 0.75 },
  /** Whether an operation word after a negation ("don't delete it") is dropped from the request (operations.ts NEGATIONS). */
  negation: true as boolean,
  /** Each known field the tool takes multiplies its score by 1 + this. */
  knownField: 0.25,
  /**
   * Typos: words of at least `minLength` letters are corrected within this edit distance (swaps count 1),
   * unless everyday English uses the word at least `englishWord` times in 51 million (english.ts).
   */
  typo: { minLength: 3, distance: 1, longWord: 8, longDistance: 2, englishWord: 20 },
  /** Primaries after the first must score at least this share of the first. */
  keepRatio: 0.3,
  /**
   * Answer or not: see decide.ts. `impliedKinds` / `genericVerbs`: whether the kind a catalog name
   * implies and the generic verbs count as evidence (off: they do not; on only to measure what that earns).
   * `impliedAt`: from this share of known words on, the kind a catalog name implies counts after all
   * (nothing else in the request is foreign: "switch Google Ads off for now").
   * `nearest`: the labelled requests' say (decide.ts): `unserved` turns a yes into a no when the closest
   * short request (use case or labelled request) is a labelled one no tool serves, scoring more than
   * `overruleAt` + the known share times the closest served one; a no becomes a yes
   * when the closest one some tool serves scores at least `servedMin` and `servedRatio` times the
   * closest unserved one.
   */
  answer: { minKnownShare: 0.4, minNamingHits: 1, minUseCaseHits: 2, impliedKinds: false, impliedAt: 1, genericVerbs: false, nearest: { unserved: true, overruleAt: 0.2, servedRatio: 2, servedMin: 5 } },
  /** What is analysed of a request at most: longer input is cut, never refused. */
  limits: { chars: 1000, words: 40, knownFields: 20 },
} as const;
