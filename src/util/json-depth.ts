/**
 * How deep a JSON text nests, read without parsing it. A value nested thousands of levels deep parses,
 * but whatever walks it next (JSON.stringify, a copy, a check) runs out of stack and takes the process
 * with it; such a text is refused while it is still text.
 */

/** Deeper than any answer Segment gives or a script needs to return; far from where a walk runs out of stack (thousands). */
export const MAX_JSON_DEPTH = 256;

/** Whether the JSON text nests objects and arrays more than `limit` levels deep. */
export function nestsDeeper(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= limit) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: brackets in it do not count.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
