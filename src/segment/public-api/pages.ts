/**
 * all_pages: concatenate the list fields of each page's `data`; everything else comes from the
 * first page, except `pagination`, which is the last page's (it holds the cursor to go on from).
 */
export type PageData = Record<string, unknown>;

export function nextCursor(data: unknown): unknown {
  const next = (data as { pagination?: { next?: unknown } } | undefined)?.pagination?.next;
  return next === null || next === undefined || next === '' ? undefined : next;
}

export function countItems(data: PageData, listFields: string[]): number {
  return listFields.reduce((n, f) => n + (Array.isArray(data[f]) ? (data[f] as unknown[]).length : 0), 0);
}

export function mergePages(pages: PageData[], listFields: string[]): PageData {
  const merged: PageData = { ...pages[0] };
  for (const f of listFields) merged[f] = pages.flatMap((p) => (Array.isArray(p[f]) ? (p[f] as unknown[]) : []));
  const last = pages[pages.length - 1];
  if (last && 'pagination' in last) merged.pagination = last.pagination;
  return merged;
}
