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

export function encodeSegment(name: string, value: unknown): string {
  const s = typeof value === 'string' ? value : String(value ?? '');
  if (s === '' || s === '.' || s === '..') {
    const problem = `"${s}" is not a valid id: it would change the request path; pass the id exactly as a list call returns it`;
    throw new PathParameterError(`Invalid arguments: ${name}: ${problem}.`, [{ field: name, problem }]);
  }
  return encodeURIComponent(s);
}

/** `/sources/{sourceId}` + {sourceId: "a/b"} -> `/sources/a%2Fb`. */
export function expandPath(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeSegment(name, values[name]));
}
