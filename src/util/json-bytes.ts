/** The bytes JSON's structure is made of, for the scanners that read JSON without parsing it (raw-json.ts, import/json-array.ts). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_LIST = 0x5b;
export const CLOSE_LIST = 0x5d;
export const NEWLINE = 0x0a;

/** JSON's whitespace: space, line feed, carriage return, tab. */
export const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
