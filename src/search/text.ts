import { stemmer } from 'stemmer';

/**
 * Words as search compares them: lower case, camelCase and snake_case split, then two stems. The Porter
 * stem (`stem`) is what scoring compares, so "sources", "sourceId" and "source" meet. The light stem
 * (`light`, plurals only) is what vocabulary phrases match on: Porter folds "connectivity" into "connect"
 * and "organization" into "organ", which is fine for ranking and wrong for a synonym table.
 */

/** Words that carry no meaning for picking a tool. "segment" is here because every tool is Segment's. */
const STOP = new Set(
  (
    'a an the and or of to in on at for from by with into onto about as is are was were be been being it its this that these those ' +
    'i me my we our us you your he she they them their his her do does did can could would should will shall may might must ' +
    'please want need like just some any one each every all also via using use so then than there here what which who whom whose ' +
    'how when where why whether if not no yes let lets get me segment segments currently right now existing given ' +
    'have has had go going make sure help someone somebody something anything everything per only up off out down back t s d ll re ve m ' +
    'two three four five six seven eight nine ten twenty hundred hundreds thousand thousands million dozen few several'
  ).split(/\s+/),
);

/** Caches are capped: a long-running server sees endless new words and must not grow without end. */
export const CACHE_CAP = 20_000;
const stemCache = new Map<string, string>();

export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = word.length <= 3 ? word : stemmer(word);
    if (stemCache.size >= CACHE_CAP) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Plural to singular, nothing more: "identities" -> "identity", "aliases" -> "alias", "status" stays. */
export function light(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(word)) return word;
  if (word.length > 4 && /(ches|shes|xes|sses|ses)$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/** Pasted values, not words: ids and numbers ("src_1", "42"), emails, URLs and paths. */
function isValue(chunk: string): boolean {
  if (/@|:\/\/|^\//.test(chunk)) return true;
  // key:value pairs are labels or settings being given ("env:staging", "team:payments").
  if (/^[A-Za-z][\w-]*:[\w-]+$/.test(chunk)) return true;
  return /\d/.test(chunk) && !/^(v1|v1beta|v1alpha|ga4|b2b|s3)$/i.test(chunk);
}

/** Splits text into lower-case words: camelCase, snake_case, kebab-case and punctuation all separate. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const chunk of text.split(/\s+/)) {
    if (!chunk) continue;
    // Possessives go first: "audience's definition" is about the audience, not an "s".
    const bare = chunk.replace(/['’]s$/i, '').replace(/^[^A-Za-z0-9/]+|[^A-Za-z0-9]+$/g, '');
    if (!bare || isValue(bare)) continue;
    const spaced = bare
      .replace(/([A-Z]{2,})s$/, '$1') // plural acronyms: "MTUs", "APIs"
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .toLowerCase();
    for (const w of spaced.split(/[^a-z0-9]+/)) if (w) out.push(w);
  }
  return out;
}

/**
 * Words of a text with both stems. Stop words are kept but marked: they add nothing to content scoring,
 * yet phrases ("get rid of") and intent ("all", "which") read them. Quoted words are names and values
 * ("Order Completed"), not the request, and are marked as such.
 */
export interface Token {
  word: string;
  stem: string;
  light: string;
  stop: boolean;
  quoted: boolean;
  /** First word after sentence punctuation (",", ".", "?"...): a new clause may start a new verb. */
  starts?: boolean;
  /** Written with a capital first letter ("Contractors", "Newsletter Signup"): maybe a name. */
  capital?: boolean;
}

export function token(word: string, quoted = false): Token {
  return { word, stem: stem(word), light: light(word), stop: STOP.has(word), quoted };
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}[.,;:!?]?$/;

export function tokens(text: string): Token[] {
  const out: Token[] = [];
  // Odd pieces of a split on quote marks are the quoted ones.
  text.split(/["“”]/).forEach((piece, i) => {
    for (const clause of piece.split(/[,;:.!?]\s+|[,;:.!?]$/)) {
      const start = out.length;
      for (const chunk of clause.split(/\s+/)) {
        // An email address is a value, but it says a person is meant: it reads as a faint "email".
        if (EMAIL.test(chunk)) out.push(token('email', true));
        else words(chunk).forEach((w, k) => out.push({ ...token(w, i % 2 === 1), ...(k === 0 && /^[A-Z][a-z]/.test(chunk) ? { capital: true } : {}) }));
      }
      if (out[start]) out[start] = { ...out[start]!, starts: true };
      for (let k = start + 1; k < out.length; k++) out[k] = { ...out[k]!, starts: false };
    }
  });
  return out;
}

export function isStop(word: string): boolean {
  return STOP.has(word);
}
