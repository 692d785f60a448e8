import { UNPRINTABLE } from '../util/printable.js';

/**
 * Aligned text tables for people. Column widths come from the content, so a long slug widens its
 * column instead of pushing the rest of its row out of line. Only the last column may be cut, and
 * only to fit a terminal whose width is known: slugs and ids stay whole, since people copy them.
 */
export interface Column<T> {
  header: string;
  value(row: T): string;
}

const GAP = '  ';

/** Printable width of a cell: unprintable characters are dropped, tabs and newlines become spaces. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/[\t\r\n]+/g, ' ').replace(UNPRINTABLE, '');
}

export interface TableOptions {
  /** The terminal's width: longer lines are cut at the end. */
  width?: number;
  /** Least width per column, so several tables printed one after another line up. */
  minWidths?: number[];
  /** Put before every line (an indent). */
  indent?: string;
}

/** The widths a set of rows needs, for `minWidths` of tables printed together. */
export function columnWidths<T>(columns: Column<T>[], rows: T[]): number[] {
  return columns.map((c) => Math.max(c.header.length, ...rows.map((r) => cell(c.value(r)).length)));
}

export function renderTable<T>(columns: Column<T>[], rows: T[], opts: TableOptions = {}): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, opts.minWidths?.[i] ?? 0, ...cells.map((row) => row[i]!.length)));
  const pad = opts.indent ?? '';
  const line = (parts: string[]) => {
    const text = pad + parts.map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i]!))).join(GAP).trimEnd();
    return opts.width && text.length > opts.width ? `${text.slice(0, Math.max(opts.width - 1, 0))}…` : text;
  };
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** The terminal's width when stdout is one, so a table's last column is cut to fit instead of wrapping. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}
