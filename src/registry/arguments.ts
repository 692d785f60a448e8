import type { z } from 'zod';

/** One line per bad field: where it is and what it must be. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map(describeIssue).join('; ');
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against the schema)`;
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return `${where}: must be one of the listed variants`;
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
