/**
 * The one edit distance of the project (slug suggestions, misspelt flags, typos in search requests):
 * insertions, deletions, substitutions and a swap of neighbours each count 1 ("wirte" is one edit from
 * "write", "idnetify" one from "identify"). `max`: the distance matters to the caller only up to `max`,
 * so only cells within `max` of the diagonal are worked out (a path leaving that band costs more), and
 * any larger distance comes back as max + 1. Three rows, reused between calls: a word is compared with
 * every candidate, and allocating rows cost more than comparing.
 */
/** The longest word whose rows are kept between calls (slugs are at most MAX_SLUG_LENGTH). */
const KEEP = 1024;
let rows = [new Uint32Array(64), new Uint32Array(64), new Uint32Array(64)];

export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const k = Math.min(max, Math.max(a.length, b.length));
  const far = k + 1;
  // Rows for a long word are made for this call only: one pasted megabyte must not stay allocated.
  const own = b.length + 2 > KEEP ? [0, 0, 0].map(() => new Uint32Array(b.length + 2)) : undefined;
  if (!own && rows[0]!.length < b.length + 2) rows = rows.map(() => new Uint32Array(KEEP));
  let [older, prev, cur] = (own ?? rows) as [Uint32Array, Uint32Array, Uint32Array];
  for (let j = 0; j <= b.length; j++) prev[j] = j <= k ? j : far;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - k);
    const hi = Math.min(b.length, i + k);
    cur[lo - 1] = lo === 1 ? i : far;
    let rowMin = cur[lo - 1]!;
    const ca = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(j - 1);
      const sub = prev[j - 1]! + (ca === cb ? 0 : 1);
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      let v = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
      // A swap: the two rows above hold the band this cell reads (row i - 2 at j - 2 is inside its own).
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb && older[j - 2]! + 1 < v) v = older[j - 2]! + 1;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    // The next row reads one cell past this band: outside it, as far as the band goes.
    if (hi < b.length) cur[hi + 1] = far;
    if (rowMin > k) return max + 1;
    [older, prev, cur] = [prev, cur, older];
  }
  return prev[b.length]! > k ? max + 1 : prev[b.length]!;
}

/** The longest word `closest` compares. */
const CLOSEST_MAX_LENGTH = 64;

/** The name nearest to what was typed (a typo, a missing or extra letter, a prefix; case aside), if any is near: a flag, a field. */
export function closest(typed: string, names: string[]): string | undefined {
  // Names are short: a long word (a pasted megabyte as a field name) is near none, and is not compared.
  if (typed.length > CLOSEST_MAX_LENGTH) return undefined;
  const t = typed.toLowerCase();
  if (!t) return undefined;
  let best: { name: string; d: number; edits: number } | undefined;
  for (const name of names) {
    const n = name.toLowerCase();
    // Past 2 edits nothing is near; the prefix rule reads the count only to 0.5.
    const edits = editDistance(t, n, 2);
    // A prefix of three letters or more counts as near; among equals, the fewest edits wins.
    const d = n.startsWith(t) && t.length >= 3 ? Math.min(0.5, edits) : edits;
    if (!best || d < best.d || (d === best.d && edits < best.edits)) best = { name, d, edits };
  }
  const allowed = t.length <= 4 ? 1 : 2;
  return best && best.d <= allowed ? best.name : undefined;
}
