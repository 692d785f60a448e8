import type { App } from '../app.js';
import { connectionSummary } from '../meta/connection-summary.js';
import type { SearchHit, SearchQuery } from './search.js';
import { toolView, type ToolView } from './tool-view.js';

export interface SearchAnswer {
  results: SearchHit[];
  tool_schemas: Record<string, ToolView>;
  toolkit_connection_statuses: ReturnType<typeof connectionSummary>[];
}

/**
 * The whole answer to a search: ranked slugs per query, the schema of every slug named, and the
 * connection state. SEARCH_TOOLS and `segment-router search` both return exactly this.
 */
export async function buildSearchAnswer(app: App, queries: SearchQuery[], limit = 5): Promise<SearchAnswer> {
  const results = queries.map((q) => app.search.search(q, limit));
  const slugs = [...new Set(results.flatMap((r) => [...r.primary_tool_slugs, ...r.related_tool_slugs]))];
  const tool_schemas = Object.fromEntries(slugs.map((s) => [s, toolView(app.registry.get(s)!, app.config)]));
  const status = await app.connections.status();
  return { results, tool_schemas, toolkit_connection_statuses: [connectionSummary(status)] };
}
