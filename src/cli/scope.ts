import { loadRegistry } from '../inventory.js';
import { slugPreview } from '../registry/slug.js';
import { closest } from '../util/edit-distance.js';
import { UsageError } from './common.js';

/**
 * Checks --toolsets and --tools against the full registry before the App scopes it: the registry's own
 * scoping ignores names it does not know, which would turn a typo into a silently empty server.
 */
export function checkScope(toolsets: string[] | undefined, tools: string[] | undefined): void {
  if (!toolsets?.length && !tools?.length) return;
  const all = loadRegistry();
  const valid = all.toolsets();
  const badSets = (toolsets ?? []).filter((s) => !valid.includes(s.trim().toLowerCase()));
  if (badSets.length) {
    const near = badSets.map((s) => closest(s.trim(), valid)).filter((n): n is string => !!n);
    throw new UsageError(`Unknown toolset${badSets.length > 1 ? 's' : ''} ${badSets.map((s) => `"${s}"`).join(', ')}.${near.length ? ` Did you mean ${near.join(', ')}?` : ''} Valid toolsets: ${valid.join(', ')}.`);
  }
  for (const t of tools ?? []) {
    if (all.resolve(t).ok) continue;
    const near = all.closest(t, 3);
    throw new UsageError(`Unknown tool "${slugPreview(t)}" in --tools.${near.length ? ` Did you mean ${near.join(', ')}?` : ''} "segment-router tools" lists every slug.`);
  }
}
