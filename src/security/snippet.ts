/**
 * "Mask, then cut": the one way text from outside (an upstream answer) reaches an error message.
 * `redact` is the redactor's upstream masking (every form of a secret, and any run of one).
 */

/** How much of an upstream answer is read at all: enough for any error message worth showing. */
export const UPSTREAM_TEXT_MAX = 64 * 1024;
export const SNIPPET_MAX = 200;

type Redact = ((text: string) => string) | undefined;

/** Cuts text to `max` characters without leaving half of a surrogate pair. */
export function cutText(text: string, max: number, marker = ''): string {
  if (text.length <= max) return text;
  return text.slice(0, max).replace(/[\uD800-\uDBFF]$/, '') + marker;
}

/**
 * Upstream text bounded and masked, ready to parse. The bound cuts far past anything shown, so a
 * secret it cuts through is never part of a snippet; every cut that shows text comes after masking.
 */
export function maskUpstream(text: string, redact: Redact): string {
  const bounded = text.length > UPSTREAM_TEXT_MAX ? text.slice(0, UPSTREAM_TEXT_MAX) : text;
  return redact ? redact(bounded) : bounded;
}

/** Mask, then cut to a snippet of at most `max` characters. */
export function maskedSnippet(text: string, redact: Redact, max = SNIPPET_MAX): string {
  return cutText(maskUpstream(text, redact), max);
}
