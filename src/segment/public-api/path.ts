import { ArgumentsError } from '../../registry/arguments.js';
/**
 * Path parameters, percent-encoded one segment each. An id can never change which path is called:
 * `/` and `?` are encoded, and `.` / `..` are refused, because URL parsers resolve a dot segment
 * (even `%2E%2E`) before the request leaves.
 */
/** An id that would change the request path: refused as invalid arguments, naming the field. */
export class PathParameterError extends ArgumentsError {
  override name = 'PathParameterError';
}

/**
 * The longest path parameter sent. Segment's ids are about 27 characters and names far shorter than
 * this; a longer value is a mistake that would come back as a bare HTTP 414 or 431 (a request line past
 * the server's limit), or not at all. 1,024 characters stay under 16 KB however they encode.
 */
export const MAX_PATH_PARAMETER = 1024;

export function encodeSegment(name: string, value: unknown): string {
  const s = typeof value === 'string' ? value : String(value ?? '');
  const problem =
    s === '' || s === '.' || s === '..'
      ? `"${s}" is not a valid id: it would change the request path; pass the id exactly as a list call returns it`
      : s.trim() === ''
        ? 'is only spaces, which names nothing; pass the id exactly as a list call returns it'
        : s.length > MAX_PATH_PARAMETER
          ? `is ${s.length} characters, more than the ${MAX_PATH_PARAMETER} a path parameter may have; pass the id exactly as a list call returns it`
          : undefined;
  if (problem !== undefined) throw new PathParameterError(`Invalid arguments: ${name}: ${problem}.`, [{ field: name, problem }]);
  return encodeURIComponent(s);
}

/** `/sources/{sourceId}` + {sourceId: "a/b"} -> `/sources/a%2Fb`. */
export function expandPath(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeSegment(name, values[name]));
}
