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

/** A request opening with one of these asks about state ("what filters are set up"): reading fits it best. */
export const QUESTION_WORDS = new Set(['what', 'which', 'who', 'whom', 'where', 'when', 'is', 'are', 'was', 'were', 'does', 'do', 'did', 'has', 'have', 'how', 'whats', 'any']);

/** Words after which the next noun is the thing asked for: "which sources feed the warehouse" asks for sources. */
export const ASKING_WORDS = new Set(['what', 'which', 'whats', 'list', 'show', 'every', 'all']);
