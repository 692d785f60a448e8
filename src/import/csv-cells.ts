import { InputError } from './source.js';
import { closest } from '../util/edit-distance.js';
import { STORED_FIELDS } from '../segment/tracking/schemas.js';

/**
 * How a CSV row becomes a message. The header names each column by its field path
 * (`userId`, `properties.plan`, `context.ip`), optionally with a type: `properties.total:number`.
 *
 * Typing of cells, decided once here for `import` and `validate`:
 * - an empty cell leaves the field out;
 * - top-level fields and `context.*` are text (ids, names, timestamps stay exactly as written), except
 *   the JSON columns `properties`, `traits`, `context` and `integrations` when given whole;
 * - inside `properties.*` and `traits.*`, `true`/`false` become booleans and a number written the way
 *   JSON writes it (`42`, `-0.5`, `1e3`; not `007`, `+1`, `1,000` or an integer beyond 2^53) becomes a
 *   number; anything else stays text;
 * - a type after the path overrides that: `:string`, `:number`, `:boolean` (true/false) or `:json`
 *   (any JSON value, e.g. an array). A cell that does not fit its declared type rejects the row.
 */

export type CellType = 'auto' | 'string' | 'number' | 'boolean' | 'json';

export interface Column {
  path: string[];
  type: CellType;
  name: string;
}

/** The fields a Segment message may have at its top level (docs/segment-facts.md). */
const TOP_LEVEL = new Set(['type', 'userId', 'anonymousId', 'event', 'timestamp', 'messageId', 'properties', 'traits', 'context', 'integrations', 'name', 'category', 'groupId', 'previousId']);
const WHOLE_JSON = new Set(['properties', 'traits', 'context', 'integrations']);
const TYPES = new Set<CellType>(['string', 'number', 'boolean', 'json']);
/** Names that would reach an object's prototype instead of a field. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const EXAMPLE = 'e.g. userId,event,timestamp,properties.plan';

/** Whether a header cell names no message field (its path, with an optional `:type` after it). */
function notAField(name: string): boolean {
  const [pathText = '', , ...extra] = name.split(':');
  const path = pathText.split('.');
  return !name || extra.length > 0 || path.some((p) => !p.trim() || /[{}[\]"]/.test(p) || FORBIDDEN.has(p)) || !TOP_LEVEL.has(path[0]!);
}

/** ` (userId?)` for a misspelt top-level field; ` (properties.plan?)` for a bare name that is not one. */
function meantFor(name: string): string {
  const [pathText = ''] = name.split(':');
  const path = pathText.split('.');
  const first = path[0]!.trim();
  // A long name is shown cut: a suggestion would repeat it whole.
  if (!first || name.length > 60 || FORBIDDEN.has(first) || /[{}[\]"]/.test(pathText)) return '';
  if (path.length === 1 && STORED_FIELDS.has(first)) return ' (a field of a message as Segment stores it, which the router does not send: leave the column out)';
  if (path.length === 1 && first === 'sentAt') return ' (each request carries the time it is sent: leave the column out)';
  const near = closest(first, [...TOP_LEVEL]);
  // Only an object field has fields under it (properties.plan; not userId.plan).
  if (near && near !== first && (path.length === 1 || WHOLE_JSON.has(near))) return ` (${[near, ...path.slice(1)].join('.')}?)`;
  return path.length === 1 ? ` (properties.${first}, or traits.${first}?)` : '';
}

export function parseHeader(file: string, text: string): Column[] {
  // Rows ended by CR alone (old Mac files): the whole file reads as one header row, and its "columns" hold
  // rows of data. Said as what it is, not as columns to rename.
  if (/\r(?!\n)/.test(text)) throw new InputError(`${file}: its lines end with a carriage return alone (CR, as old Mac files do), so its rows cannot be told apart. Convert the line ends to LF (or CRLF) first, e.g. tr '\\r' '\\n' < the-file.csv > fixed.csv`);
  const cells = splitRow(text);
  if (!cells.ok) throw new InputError(`${file} is not a CSV file of messages: its first row ${cells.error}. The first row names the fields, ${EXAMPLE}.`);
  const columns: Column[] = [];
  /** Each column by its path, and each path some column lies under (`properties` for `properties.plan`), with that column. */
  const seen = new Map<string, string>();
  const under = new Map<string, { key: string; shown: string }>();
  // Every column that names no field is said at once, each with what it may have meant.
  const bad = cells.cells.map((c) => c.trim()).filter(notAField);
  if (bad.length) {
    const listed = bad.slice(0, 5).map((name) => (name ? `"${name.length > 60 ? `${name.slice(0, 60)}...` : name}"${meantFor(name)}` : 'an empty column name'));
    const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
    throw new InputError(`${file} is not a CSV file of messages: its header row has ${listed.join(', ')}${more}, which ${bad.length === 1 ? 'is not the path' : 'are not paths'} of a message field. The first row names the fields, ${EXAMPLE}; top-level fields are ${[...TOP_LEVEL].join(', ')}.`);
  }
  for (const cell of cells.cells) {
    const name = cell.trim();
    const [pathText = '', type = 'auto'] = name.split(':');
    const path = pathText.split('.');
    const shown = name.length > 60 ? `${name.slice(0, 60)}...` : name;
    if (!TYPES.has(type as CellType) && type !== 'auto') throw new InputError(`${file}: column "${shown}" has the type "${type}"; types are string, number, boolean and json.`);
    const key = path.join('.');
    // One column may not be inside another (properties and properties.plan), nor repeat one. Looked up
    // by path, not against every column before it: a header of 20,000 columns took 20 s that way.
    const clash = (other: string, shorter: string) => new InputError(`${file}: columns "${other}" and "${shown}" both set ${shorter}; keep one of them.`);
    const same = seen.get(key) ?? under.get(key)?.shown;
    if (same !== undefined) throw clash(same, key);
    for (let k = 1; k < path.length; k++) {
      const outer = path.slice(0, k).join('.');
      const other = seen.get(outer);
      if (other !== undefined) throw clash(other, outer);
      if (!under.has(outer)) under.set(outer, { key, shown });
    }
    seen.set(key, shown);
    columns.push({ path, type: type as CellType, name: shown });
  }
  return columns;
}

/** A row split into its fields, quotes removed; or what is wrong with it. */
export function splitRow(text: string): { ok: true; cells: string[] } | { ok: false; error: string } {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { ok: false, error: 'has a quoted field that is never closed' };
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      const next = text.charCodeAt(i);
      if (i < text.length && next !== 0x2c) return { ok: false, error: 'has text after a closing quote (a field in quotes ends with the quote)' };
      cells.push(value);
    } else {
      const comma = text.indexOf(',', i);
      const value = text.slice(i, comma < 0 ? undefined : comma);
      if (value.includes('"')) return { ok: false, error: 'has a quote inside a field that does not start with one (write the field in quotes, with "" for each quote)' };
      cells.push(value);
      i = comma < 0 ? text.length : comma;
    }
    if (i >= text.length) return { ok: true, cells };
    i++; // past the comma
    if (i === text.length) {
      cells.push('');
      return { ok: true, cells };
    }
  }
}

/** What a :number cell may hold: a decimal number, as spreadsheets write them too. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** One cell as the column says; undefined leaves the field out. */
function typed(column: Column, cell: string): { value?: unknown; error?: string } {
  if (cell === '') return {};
  let type = column.type;
  if (type === 'auto') {
    if (column.path.length === 1 && WHOLE_JSON.has(column.path[0]!)) type = 'json';
    else if (column.path.length > 1 && (column.path[0] === 'properties' || column.path[0] === 'traits')) {
      if (cell === 'true' || cell === 'false') return { value: cell === 'true' };
      if (NUMBER.test(cell)) {
        const n = Number(cell);
        // Precision would be lost: keep the digits as written.
        if (Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n))) return { value: n };
      }
      return { value: cell };
    } else return { value: cell };
  }
  switch (type) {
    case 'string':
      return { value: cell };
    case 'number': {
      // A decimal number (spaces around it, a sign, 007, .5 and 5. allowed): Number() alone also takes 0x10, 0b101 and 1_000 as code writes them.
      const text = cell.trim();
      const n = Number(text);
      return DECIMAL.test(text) && Number.isFinite(n) ? { value: n } : { error: `column ${column.name} is not a number as JSON writes one (42, -3.5, 1e6)` };
    }
    case 'boolean': {
      const v = cell.trim().toLowerCase();
      return v === 'true' || v === 'false' ? { value: v === 'true' } : { error: `column ${column.name} is not true or false` };
    }
    default:
      try {
        return { value: JSON.parse(cell) };
      } catch {
        return { error: `column ${column.name} is not JSON` };
      }
  }
}

/** A row as a message (or why it is not one). */
export function toMessage(columns: Column[], text: string): { value?: Record<string, unknown>; error?: string } {
  const split = splitRow(text);
  if (!split.ok) return { error: `not a CSV row: it ${split.error}` };
  if (split.cells.length !== columns.length) return { error: `has ${split.cells.length} field${split.cells.length === 1 ? '' : 's'}, the header has ${columns.length}` };
  const message: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c]!;
    const cell = typed(column, split.cells[c]!);
    if (cell.error) return { error: cell.error };
    if (cell.value === undefined) continue;
    let target = message;
    for (let k = 0; k < column.path.length - 1; k++) {
      const key = column.path[k]!;
      const next = target[key];
      target = (next && typeof next === 'object' && !Array.isArray(next) ? next : (target[key] = {})) as Record<string, unknown>;
    }
    target[column.path[column.path.length - 1]!] = cell.value;
  }
  return { value: message };
}
