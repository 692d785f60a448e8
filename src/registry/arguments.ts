import type { z } from 'zod';
import { closest } from '../util/edit-distance.js';

/** One line per bad field: where it is and what it must be. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map(describeIssue).join('; ');
}

/** An issue with what its caller knows besides: the value given where it failed, the fields allowed there. */
type Explained = z.core.$ZodIssue & { given?: unknown; known?: readonly string[] };

/**
 * Adds to each issue what makes its sentence say what to write: for a variant that matched nothing
 * ("type": "tarck") the value given; for unknown fields the fields allowed there (`knownAt`, by path),
 * so a near one can be named ("propertes": did you mean "properties"?).
 */
export function explainIssues(issues: readonly z.core.$ZodIssue[], input: unknown, knownAt: (path: readonly PropertyKey[], input: unknown) => readonly string[] | undefined): z.core.$ZodIssue[] {
  return issues.map((issue): Explained => {
    if (issue.code === 'invalid_union') return { ...issue, given: valueAt(input, issue.path) };
    if (issue.code === 'unrecognized_keys') {
      const known = knownAt(issue.path, input);
      return known ? { ...issue, known } : issue;
    }
    return issue;
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' && Object.hasOwn(v, key) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** ` (did you mean "x"?)` when a name near `typed` is among `names`. */
function didYouMean(typed: unknown, names: readonly string[] | undefined): string {
  const near = typeof typed === 'string' && names ? closest(typed, [...names]) : undefined;
  return near !== undefined && near !== typed ? ` (did you mean "${near}"?)` : '';
}

/** Unknown keys named in one message. */
const MAX_KEYS_NAMED = 10;

export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map((p) => { const t = String(p); return t.length > 40 ? `${t.slice(0, 40)}...` : t; }).join('.') : '(arguments)';
  const { given, known } = issue as Explained;
  if (issue.code === 'unrecognized_keys') {
    // Each key cut, and the first ten named: a message stays short however many and however long the keys.
    const keys = issue.keys.slice(0, MAX_KEYS_NAMED).map((k) => `${JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}...` : k)}${didYouMean(k, known)}`).join(', ');
    const more = issue.keys.length > MAX_KEYS_NAMED ? ` and ${issue.keys.length - MAX_KEYS_NAMED} more` : '';
    return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${more}${known ? '' : ' (check the spelling against the schema)'}`;
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    if (!options.length) return `${where}: must be one of the listed variants`;
    const what = typeof given === 'string' ? `${JSON.stringify(given.length > 40 ? `${given.slice(0, 40)}...` : given)} is not one of` : 'must be one of';
    return `${where}: ${what} ${options.join(', ')}${didYouMean(given, options)}`;
  }
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return `${where}: is required (${issue.expected})`;
  }
  // Callers end the sentence; a message's own final period would double it.
  return `${where}: ${issue.message.replace(/\.$/, '')}`;
}

export function issueList(issues: readonly z.core.$ZodIssue[]): { field: string; problem: string }[] {
  return issues.map((i) => ({ field: i.path.length ? i.path.map(String).join('.') : '(arguments)', problem: describeIssue(i).replace(/^[^:]*: /, '') }));
}

/**
 * Thrown by a tool's prepare() when arguments that passed the schema still cannot be sent (a message
 * over 32 KB, a batch with no valid message). The executor answers it as a validation error, before
 * the write policy: the caller learns what to fix, not that writes are off.
 */
export class ArgumentsError extends Error {
  override name = 'ArgumentsError';
  constructor(
    message: string,
    readonly issues: { field: string; problem: string }[],
    /** What the tool can still say about the call (e.g. each rejected message by index). */
    readonly data?: unknown,
    /** What to do next, when the tool knows better than "fix the fields named" (split a call over the limit). */
    readonly hint?: string,
  ) {
    super(message);
  }
}
