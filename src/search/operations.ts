/**
 * Words people use for each operation a tool's facts name. They are added to every tool's operation
 * field, so "turn off the source" meets UPDATE_SOURCE and "nuke the plan" meets DELETE_TRACKING_PLAN.
 * Language, not tools: nothing here names a tool. HTTP methods are here too (POST creates, PATCH
 * updates, PUT replaces): agents write them; so are paging words, which only a list takes. Kept because it earns its place (bench/README.md).
 */
export const OPERATION_WORDS: Record<string, string> = {
  list: 'list show enumerate inventory browse pagination cursor',
  get: 'get show read fetch details detail inspect look view check see',
  create: 'create new add make setup register spin build post hook plug wire',
  update: 'update change edit modify rename enable disable turn switch pause resume set toggle adjust patch block restrict',
  delete: 'delete remove drop nuke erase destroy purge rid wipe kill',
  add: 'add attach put assign grant include connect hook plug link wire',
  remove: 'remove detach unassign revoke drop take disconnect exclude',
  replace: 'replace overwrite swap reset set put',
  cancel: 'cancel stop abort halt',
  restore: 'restore revert roll back rollback undo',
  preview: 'preview dry run estimate test try',
  run: 'run trigger execute force start kick refresh',
  send: 'send record log track capture emit fire report',
};

/** Operations that do nearly the same to a thing: "get rid of the audience" asks to delete, the tool removes it. */
export const SIBLING_OPERATIONS: Readonly<Record<string, string>> = { delete: 'remove', remove: 'delete', create: 'add', add: 'create', update: 'replace', replace: 'update' };

/** A request opening with one of these asks about state ("what filters are set up"): reading fits it best. */
export const QUESTION_WORDS = new Set(['what', 'which', 'who', 'whom', 'where', 'when', 'is', 'are', 'was', 'were', 'does', 'do', 'did', 'has', 'have', 'how', 'whats', 'any']);

/** Words after which the next noun is the thing asked for: "which sources feed the warehouse" asks for sources. */
export const ASKING_WORDS = new Set(['what', 'which', 'whats', 'list', 'show', 'every', 'all']);

/** Words that copy one thing's state onto another: the plan reads what is copied first. */
const COPY_WORDS = new Set(['copy', 'copies', 'copied', 'copying', 'clone', 'clones', 'cloned', 'cloning', 'mirror', 'mirrors', 'mirrored', 'mirroring']);

/** After "same" or "exactly", the words that say whose state it is: "the same rules as", "exactly the permissions Priya had". */
const HOLDER_WORDS: Record<string, ReadonlySet<string>> = {
  same: new Set(['as', 'that', 'like', 'has', 'had', 'have', 'uses', 'used']),
  exactly: new Set(['has', 'had', 'have']),
};

/** "copy the rules of tp_1 into tp_2", "give Sam the same permissions as Priya": the request copies. */
export function asksToCopy(words: readonly string[]): boolean {
  return words.some((w, i) => COPY_WORDS.has(w) || (HOLDER_WORDS[w] !== undefined && words.slice(i + 1, i + 6).some((v) => HOLDER_WORDS[w]!.has(v))));
}
