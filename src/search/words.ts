import { stemmer } from 'stemmer';
import { boundedMemo } from '../util/bounded-memo.js';

/**
 * Words as search compares them, for tools and requests alike: lower case, camelCase and snake_case
 * split, pasted values (ids, numbers, emails, paths) left out, Porter stems ("sources" meets "sourceId").
 */

/** Words that carry no meaning for picking a tool. "segment" is here because every tool is Segment's. */
const STOP = new Set(
  (
    'a an the and or of to in on at for from by with into onto about as is are was were be been being it its this that these those ' +
    'i me my we our us you your he she they them their his her do does did can could would should will shall may might must ' +
    'please want need like just some any one also via using use so then than there here what which who whom whose ' +
    'how when where why whether if not no yes let lets me segment segments currently right now existing given id ids ' +
    'dont doesnt isnt arent cant wont didnt im ive youre thats whats ' +
    'have has had go going make sure help someone something anything everything only t s d ll re ve m ' +
    'two three four five six seven eight nine ten hundred thousand thousands dozen few several'
  ).split(/\s+/),
);

/** Porter stems, remembered (capped: a long-running server sees endless new words). */
export const stem = boundedMemo(20_000, (word: string): string => (word.length <= 3 ? word : stemmer(word)));

export const isStop = (word: string): boolean => STOP.has(word);

/** Pasted values, not words: ids and numbers ("src_1", "42"), emails, URLs, paths, key=value values. */
function isValue(chunk: string): boolean {
  if (/@|:\/\/|^\//.test(chunk)) return true;
  return /\d/.test(chunk) && !/^(ga4|b2b|s3|v1)$/i.test(chunk);
}

/** Lower-case words of a text, values left out. Bounded by the caller: this reads whatever it is given. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\s+/)) {
    // key=value: the value is never read; the key names what the value is ("syncId=sy_8": a sync), so
    // its words count, an "Id" at its end aside. search.ts also reads the key as a known field.
    const pair = /^([A-Za-z_][\w.]*)\s*[=:]./.exec(raw);
    if (pair) {
      out.push(...words(pair[1]!.replace(/_?id$|(?<=[a-z])ID$/i, '').replace(/Id\b/g, '')));
      continue;
    }
    // Possessives go, contractions close up: "audience's" is the audience, "don't" is one stop word.
    const chunk = raw.replace(/['’]s\b/gi, '').replace(/['’]/g, '');
    if (isValue(chunk.replace(/^[^A-Za-z0-9/@]+|[^A-Za-z0-9]+$/g, ''))) continue;
    for (const piece of chunk.split(/[^A-Za-z0-9@./]+/)) {
      const bare = piece.replace(/^[^A-Za-z0-9/]+|[^A-Za-z0-9]+$/g, '');
      if (!bare || isValue(bare)) continue;
      for (const w of bare.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').split(/[^A-Za-z0-9]+/)) {
        if (w) out.push(w.toLowerCase());
      }
    }
  }
  return out;
}

/** The terms an index compares: words without stop words, stemmed. */
export function terms(text: string): string[] {
  return words(text)
    .filter((w) => !STOP.has(w))
    .map(stem);
}
