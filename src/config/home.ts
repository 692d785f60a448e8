/** Errors that say the config home itself cannot be used (a file where a folder should be, no rights, read-only). */
const HOME_CODES = new Set(['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST']);

/** What every such sentence ends with: the one thing to set. Hints recognise a problem of the home by it. */
const WHAT_TO_SET = 'Set SEGMENT_ROUTER_HOME to a folder you can write, or fix that path.';

/**
 * `err`, when it says the config home cannot be used, as a sentence that says so and what to do
 * (`why`: what the router keeps there); else undefined. A raw "ENOTDIR: not a directory, mkdir ..."
 * told nobody that SEGMENT_ROUTER_HOME was the thing to fix.
 */
export function homeUnusable(home: string, err: unknown, why: string): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !HOME_CODES.has(code)) return undefined;
  const what = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file stands where a folder should be' : code === 'EROFS' ? 'it is on a read-only file system' : 'this user may not write there';
  return `The config home ${home} cannot be used (${code}: ${what}); ${why}. ${WHAT_TO_SET}`;
}

/** Whether a problem's text is one `homeUnusable` wrote (it says what to do already). */
export const isHomeUnusable = (text: string | undefined): boolean => !!text?.endsWith(WHAT_TO_SET);
