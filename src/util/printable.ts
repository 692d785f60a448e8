/**
 * Characters a value from Segment must not bring to a person's terminal: controls (C0, DEL and C1;
 * U+009B starts an escape sequence on some terminals) and the marks that change text direction (a
 * right-to-left override shows "bew" as "web"). They could reorder or restyle what the person reads.
 */
const DIRECTION_AND_C1 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';

/** All of them, for a table cell (dropped there: a cell keeps its width). */
export const UNPRINTABLE = new RegExp(`[\\u0000-\\u001f${DIRECTION_AND_C1}]`, 'g');

/** All of them but the tab and the line break, which a text keeps. Carriage returns go (one rewrites the line before it). */
const UNSAFE_IN_TEXT = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${DIRECTION_AND_C1}]`, 'g');

/**
 * Text for a person's terminal with those characters written as visible \uXXXX escapes: an error that
 * quotes Segment (or a name typed by someone else) cannot set the window title, colour, clear or
 * reorder what follows. Pretty JSON stays the same JSON: its strings hold none of them raw but these.
 */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A name (a file's, a path) on one line of text for a person: every character above escaped, the line
 * breaks and tabs too (`\n`), so a name holding one cannot split or forge the line it is in.
 */
export function oneLine(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
