import type { RuntimeConfig } from '../config/runtime.js';
import type { ConnectionService } from '../connections/types.js';
import type { Registry } from '../registry/registry.js';
import type { SearchHit, SearchQuery, ToolSearch } from '../search/search.js';
import { briefView, toolView, type BriefView, type ToolView } from './tool-view.js';
import { connectionSummary } from './connection-summary.js';

export interface SearchAnswer {
  results: SearchHit[];
  /** Every slug named in `results`: primaries in full (schema, pitfalls), related ones in brief. */
  tool_schemas: Record<string, ToolView | BriefView>;
  toolkit_connection_statuses: ReturnType<typeof connectionSummary>[];
}

/** What an answer is built from: the search, the tools it names, the policy and the connection state. */
export interface SearchAnswerInputs {
  search: ToolSearch;
  registry: Registry;
  config: RuntimeConfig;
  connections: Pick<ConnectionService, 'status'>;
}

export interface AnswerOptions {
  limit?: number;
  /** Complete input schemas instead of the compact ones. */
  fullSchema?: boolean;
  /** Per result, how the request was read and how each primary scored. */
  explain?: boolean;
}

/** What a search may ask for, for SEARCH_TOOLS and the CLI alike. */
export const SEARCH_LIMITS = { queries: 10, perQuery: 5, maxPerQuery: 10 } as const;

/**
 * The whole answer to a search: ranked slugs per query, an entry for every slug named, and the
 * connection state. SEARCH_TOOLS and `segment-router search` both return exactly this. Related tools
 * come in brief to keep the answer small; searching a related slug gives its full entry.
 */
export async function buildSearchAnswer(app: SearchAnswerInputs, queries: SearchQuery[], opts: AnswerOptions = {}): Promise<SearchAnswer> {
  const { limit = SEARCH_LIMITS.perQuery, fullSchema = false, explain = false } = opts;
  const results = queries.map((q) => app.search.search(q, limit, { explain }));
  const primaries = new Set(results.flatMap((r) => r.primary_tool_slugs));
  const related = new Set(results.flatMap((r) => r.related_tool_slugs).filter((s) => !primaries.has(s)));
  const tool_schemas: SearchAnswer['tool_schemas'] = {};
  for (const s of primaries) tool_schemas[s] = toolView(app.registry.get(s)!, app.config, { fullSchema });
  for (const s of related) tool_schemas[s] = briefView(app.registry.get(s)!, app.config);
  // What is known now, never a network check: search answers in milliseconds whatever Segment does.
  const status = await app.connections.status({ cached: true });
  return { results, tool_schemas, toolkit_connection_statuses: [connectionSummary(status)] };
}
