import { renderTable, type Column } from './table.js';

/**
 * A Public API list answer (sources, destinations, warehouses, ...) as a table for people: the
 * columns a person scans for (name, slug, id, enabled, type), not 80 lines of JSON. `--json` keeps
 * the whole answer.
 */
type Row = Record<string, unknown>;

/** Scalar fields in the order people read them; others follow, up to MAX_COLUMNS in all. */
const PREFERRED = ['name', 'slug', 'id', 'enabled', 'status', 'sourceId', 'destinationId', 'email', 'key', 'createdAt', 'updatedAt'];
const MAX_COLUMNS = 6;
const MAX_CELL = 48;

const isRow = (v: unknown): v is Row => !!v && typeof v === 'object' && !Array.isArray(v);
const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** The list inside an answer: the answer itself, or its one property holding an array of objects. */
export function findList(data: unknown): { key?: string; rows: Row[] } | undefined {
  if (Array.isArray(data)) return data.length && data.every(isRow) ? { rows: data } : undefined;
  if (!isRow(data)) return undefined;
  const lists = Object.entries(data).filter(([, v]) => Array.isArray(v) && v.length > 0 && v.every(isRow));
  if (lists.length !== 1) return undefined;
  // A list answer holds its list and paging; an answer that says more (a track call's findings beside
  // what was accepted) would lose the rest to a table of its list.
  if (Object.entries(data).some(([k, v]) => k !== lists[0]![0] && !scalar(v) && k !== 'pagination')) return undefined;
  const [key, rows] = lists[0]!;
  return { key, rows: rows as Row[] };
}

const header = (k: string) => k.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

const short = (v: unknown, keep: boolean) => {
  const s = v === undefined || v === null ? '' : String(v);
  return keep || s.length <= MAX_CELL ? s : `${s.slice(0, MAX_CELL - 1)}…`;
};

export function listColumns(rows: Row[]): Column<Row>[] {
  const keys = new Set<string>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (scalar(v)) keys.add(k);
  const ordered = [...PREFERRED.filter((k) => keys.has(k)), ...[...keys].filter((k) => !PREFERRED.includes(k))];
  // The catalog entry's name says what kind of thing it is (Javascript, Google Analytics 4, ...).
  const typed = rows.some((r) => isRow(r.metadata) && typeof r.metadata.name === 'string');
  const chosen = ordered.slice(0, typed ? MAX_COLUMNS - 1 : MAX_COLUMNS);
  const columns: Column<Row>[] = chosen.map((k) => ({ header: header(k), value: (r) => short(r[k], k === 'id' || k === 'slug' || k.endsWith('Id')) }));
  if (typed) columns.splice(Math.min(columns.length, 3), 0, { header: 'TYPE', value: (r) => short(isRow(r.metadata) ? r.metadata.name : '', false) });
  return columns;
}

/** The table and a closing line (count, where the next page is), or undefined when the answer is not a list. */
export function renderList(data: unknown, width?: number): string | undefined {
  const list = findList(data);
  if (!list) return undefined;
  const lines = [renderTable(listColumns(list.rows), list.rows, { width }), ''];
  const next = isRow(data) ? data.next_cursor : undefined;
  const what = list.key ?? 'items';
  // "1 source", not "1 sources": the key is the plural.
  const counted = list.rows.length === 1 && what.endsWith('s') ? `1 ${what.slice(0, -1)}` : `${list.rows.length} ${what}`;
  lines.push(`${counted}.${typeof next === 'string' ? ` More pages: add "all_pages": true to --args (next cursor: ${next}).` : ''} --json shows every field.`);
  return lines.join('\n');
}
