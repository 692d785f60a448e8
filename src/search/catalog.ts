import { readFileSync } from 'node:fs';
import { once } from '../util/once.js';

/**
 * Names of products in Segment's catalog (data/catalog/names.json): "Klaviyo", "Snowflake", "iOS".
 * A request naming one is about Segment, and the name says what kind of thing it is: "our Intercom is
 * receiving nothing" is about a destination. Read once, on the first search.
 */
export type CatalogKind = 'destination' | 'source' | 'warehouse';

const FILE = new URL('../../data/catalog/names.json', import.meta.url);

/** Name (lower-case letters and digits only) -> its kind; `longest`: most words in one name. */
const catalogNames = once((): { kinds: Map<string, CatalogKind>; longest: number } => {
  const data = JSON.parse(readFileSync(FILE, 'utf8')) as Record<`${CatalogKind}s`, string[]>;
  const kinds = new Map<string, CatalogKind>();
  let longest = 0;
  // A name in several lists takes the kind agents mean most often: Snowflake is a warehouse first.
  for (const kind of ['warehouse', 'destination', 'source'] as const) {
    for (const name of data[`${kind}s`]) {
      // Spaces and dots fall away: "HubSpot", "hub spot" and "hubspot" are one name, as are "Customer.io" and "customerio".
      const key = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
      if (!kinds.has(key)) kinds.set(key, kind);
      longest = Math.max(longest, name.split(/[^a-zA-Z0-9]+/).filter(Boolean).length);
    }
  }
  return { kinds, longest };
});

/** Catalog names in a list of words: where each starts, how many words it spans, and its kind. */
export function findCatalogNames(words: string[]): { at: number; length: number; kind: CatalogKind; name: string }[] {
  const { kinds, longest } = catalogNames();
  const out: { at: number; length: number; kind: CatalogKind; name: string }[] = [];
  for (let i = 0; i < words.length; i++) {
    // The longest name starting here; the words it spans are not read again.
    for (let n = Math.min(longest, words.length - i); n > 0; n--) {
      const name = words.slice(i, i + n).join('');
      const kind = kinds.get(name);
      if (!kind) continue;
      out.push({ at: i, length: n, kind, name });
      i += n - 1;
      break;
    }
  }
  return out;
}
