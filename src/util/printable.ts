/**
 * Characters a value from Segment must not bring to a person's terminal: controls (C0, DEL and C1;
 * U+009B starts an escape sequence on some terminals) and the marks that change text direction (a
 * right-to-left override shows "bew" as "web"). They could reorder or restyle what the person reads.
 */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The same set less C0, which JSON.stringify escapes in strings itself (the rest are its line breaks and indents). */
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Pretty JSON for people with those characters written as \uXXXX escapes: still the same JSON, now visible. */
export function visibleJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNESCAPED_BY_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Controls a line of text may keep: the tab and the line break. Carriage returns go (one rewrites the line before it). */
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a person's terminal with those characters written as visible \uXXXX escapes: an error that
 * quotes Segment (or a name typed by someone else) cannot set the window title, colour, clear or
 * reorder what follows.
 */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
