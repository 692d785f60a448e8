import { buildSearchAnswer, SEARCH_LIMITS, type SearchAnswer } from '../meta/search-answer.js';
import { firstSentence } from '../search/tool-view.js';
import { appFromFlags, envOptions, jsonOption, policyOptions, scopeOptions } from './app-flags.js';
import { EXIT, UsageError, type CommandSpec } from './common.js';
import { printJson, printText } from './output.js';

function limitFrom(raw: unknown): number {
  if (raw === undefined) return SEARCH_LIMITS.perQuery;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > SEARCH_LIMITS.maxPerQuery) throw new UsageError(`--limit must be a whole number from 1 to ${SEARCH_LIMITS.maxPerQuery}, got "${raw}".`);
  return n;
}

function renderText(a: SearchAnswer): string {
  const lines: string[] = [];
  for (const r of a.results) {
    lines.push(`Use case: ${r.use_case}`);
    r.primary_tool_slugs.forEach((slug, i) => {
      const t = a.tool_schemas[slug]!;
      lines.push(`  ${i + 1}. ${slug.padEnd(34)} ${t.access.padEnd(11)} ${t.title}`);
      // The first sentence says why; --json carries the full text with how to enable it.
      if (t.blocked_by_policy) lines.push(`     blocked now: ${firstSentence(t.blocked_by_policy)}`);
    });
    if (r.related_tool_slugs.length) lines.push(`  related: ${r.related_tool_slugs.join(', ')}`);
    if (r.note) lines.push(`  note: ${r.note}`);
    lines.push('');
  }
  for (const c of a.toolkit_connection_statuses) {
    const caps = Object.entries(c.capabilities).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`Connection: ${c.status} (${caps})`);
    if (c.instruction) lines.push(`  ${c.instruction}`);
  }
  lines.push('', 'Input schema of a tool: segment-router schema <SLUG>. Run one: segment-router call <SLUG> --args \'{...}\'.');
  return lines.join('\n');
}

export const searchCommand: CommandSpec = {
  name: 'search',
  summary: 'Find the Segment tools for a task; the same answer as SEARCH_TOOLS.',
  usage: 'segment-router search "<use case>" ["<another use case>" ...] [--known-fields "name:value, ..."] [--limit N] [--json]',
  options: {
    limit: { type: 'string', description: 'Most primary tools per use case, 1 to 10 (default 5).' },
    'known-fields': { type: 'string', description: 'Values you already have, "name:value" pairs separated by commas; tools taking them rank higher.' },
    ...policyOptions,
    ...scopeOptions,
    ...envOptions,
    ...jsonOption,
  },
  async run({ values, positionals }) {
    const useCases = positionals.map((p) => p.trim()).filter(Boolean);
    if (!useCases.length) throw new UsageError('search needs a use case, e.g. segment-router search "send an event when a user signs up".');
    if (useCases.length > SEARCH_LIMITS.queries) throw new UsageError(`search takes at most ${SEARCH_LIMITS.queries} use cases at once.`);
    const limit = limitFrom(values.limit);
    const known = values['known-fields'] as string | undefined;
    const app = appFromFlags(values, 'warn');
    try {
      const answer = await buildSearchAnswer(app, useCases.map((use_case) => ({ use_case, ...(known ? { known_fields: known } : {}) })), { limit });
      if (values.json) printJson(app, answer);
      else printText(app, renderText(answer));
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
