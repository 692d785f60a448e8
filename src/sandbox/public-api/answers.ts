/** How the sandbox answers: Segment's envelopes, error shapes and cursor pagination. */

export interface PublicApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const ok = (data: unknown, status = 200): PublicApiAnswer => ({ status, body: { data } });

export function fail(status: number, type: string, message: string, extra: { field?: string; data?: unknown } = {}): PublicApiAnswer {
  return { status, body: { errors: [{ type, message, status, ...extra }] } };
}

export const notFound = (what: string, id: string) => fail(404, 'not-found', `${what} ${id} was not found.`);

export function rateLimited(msBeforeNext: number): PublicApiAnswer {
  return {
    ...fail(429, 'too-many-requests', 'Too many requests.', { data: { msBeforeNext } }),
    headers: { 'X-RateLimit-Consumed': '1', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Date.now() + msBeforeNext) },
  };
}

/** A query value in the bracket form (`pagination[count]`) or the dotted form (`pagination.count`). */
export function queryValue(query: URLSearchParams, object: string, key: string): string | null {
  return query.get(`${object}[${key}]`) ?? query.get(`${object}.${key}`);
}

const encodeCursor = (offset: number) => Buffer.from(String(offset)).toString('base64');
const decodeCursor = (cursor: string) => Number(Buffer.from(cursor, 'base64').toString());

/**
 * One page of a list, cursors opaque to the caller (base64 offsets here). Count 1-1000, default 200,
 * as the API takes it; anything else is a 422 naming the field.
 */
export function paginate<T>(list: T[], query: URLSearchParams): { items: T[]; pagination: Record<string, unknown> } | PublicApiAnswer {
  const rawCount = queryValue(query, 'pagination', 'count');
  const count = rawCount === null ? 200 : Number(rawCount);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    return fail(422, 'validation', 'pagination.count must be a whole number from 1 to 1000.', { field: 'pagination.count' });
  }
  const cursor = queryValue(query, 'pagination', 'cursor');
  const offset = cursor ? decodeCursor(cursor) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > list.length) {
    return fail(422, 'validation', 'pagination.cursor is not a cursor this list gave out.', { field: 'pagination.cursor' });
  }
  const items = list.slice(offset, offset + count);
  const pagination: Record<string, unknown> = { current: encodeCursor(offset), totalEntries: list.length };
  if (offset + count < list.length) pagination.next = encodeCursor(offset + count);
  if (offset > 0) pagination.previous = encodeCursor(Math.max(0, offset - count));
  return { items, pagination };
}

export const isAnswer = (v: unknown): v is PublicApiAnswer => !!v && typeof v === 'object' && 'status' in v && 'body' in v;

export function jsonBody(body: Buffer): Record<string, unknown> | PublicApiAnswer {
  if (!body.length) return {};
  try {
    const v = JSON.parse(body.toString()) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  return fail(400, 'bad-request', 'The body must be a JSON object.');
}
