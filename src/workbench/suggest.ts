/**
 * Whether a request spans many resources, so that one RUN_SCRIPT would serve the agent better than
 * a call per resource. SEARCH_TOOLS can carry the answer beside a query's tools. Deliberately plain:
 * a quantifier over a Segment object ("every source", "across all destinations", "40 rules") plus a
 * second object or a change to make; "list all sources" alone is one call (all_pages), not a script.
 */
const OBJECTS = ['source', 'destination', 'warehouse', 'tracking plan', 'plan', 'rule', 'label', 'audience', 'space', 'function', 'sync', 'regulation', 'subscription', 'filter', 'write key', 'event', 'user', 'metric', 'setting'];
const OBJECT = `(${OBJECTS.join('|')})(?:e?s)?`;
const QUANTIFIED = new RegExp(`\\b(?:every|each|all|across|per)\\s+(?:(?:of\\s+)?(?:the|our|my|their|its|these|those|unlabel+ed|disabled|enabled|connected)\\s+){0,2}${OBJECT}\\b`, 'i');
const COUNTED = /\b([1-9]\d+)\s+(?:[\w-]+\s+){0,2}?/;
const CHANGE = /\b(add|set|update|change|enable|disable|delete|remove|copy|label|rename|replace|move|apply|tag)\b/i;

export const RUN_SCRIPT_SUGGESTION =
  'This task spans many resources: one RUN_SCRIPT can do it (tools.all to list, tools.call per item) and return only the result, keeping the pages out of your context. Try it with dry_run first when it writes.';

export function spansManyResources(useCase: string): boolean {
  const text = useCase.toLowerCase();
  const objects = new Set([...text.matchAll(new RegExp(`\\b${OBJECT}\\b`, 'g'))].map((m) => (m[1] === 'plan' ? 'tracking plan' : m[1]!)));
  const counted = COUNTED.exec(text);
  const many = QUANTIFIED.test(text) || (!!counted && Number(counted[1]) >= 10 && new RegExp(`^${COUNTED.source}${OBJECT}`, 'i').test(text.slice(counted.index)));
  return many && (objects.size >= 2 || CHANGE.test(text));
}

/** The suggestion for a query, or undefined when one call (or a few) will do. */
export function workbenchSuggestion(useCase: string): string | undefined {
  return spansManyResources(useCase) ? RUN_SCRIPT_SUGGESTION : undefined;
}
