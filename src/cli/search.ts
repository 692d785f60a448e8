import { buildSearchAnswer, SEARCH_LIMITS, type SearchAnswer } from '../meta/search-answer.js';
import type { SearchExplanation } from '../search/search.js';
import { appFromFlags, envOptions, jsonOption, policyOptions, scopeOptions } from './app-flags.js';
import { EXIT, UsageError, type CommandSpec } from './common.js';
import { printJson, printText } from './output.js';
import { columnWidths, renderTable, terminalWidth, type Column } from './table.js';

function limitFrom(raw: unknown): number {
  if (raw === undefined) return SEARCH_LIMITS.perQuery;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > SEARCH_LIMITS.maxPerQuery) throw new UsageError(`--limit must be a whole number from 1 to ${SEARCH_LIMITS.maxPerQuery}, got "${raw}".`);
  return n;
}

/** The explanation as a person reads it: what the request became, the answer-or-not step, each score. */
function explainLines(e: SearchExplanation): string[] {
  const d = e.decision;
  const lines = [`  explain: read as "${e.read_as.join(' ')}"`];
  if (e.corrected) lines.push(`    corrected: ${Object.entries(e.corrected).map(([a, b]) => `${a} -> ${b}`).join(', ')}`);
  if (e.catalog_names) lines.push(`    catalog names: ${e.catalog_names.map((c) => `${c.name} (${c.kind})`).join(', ')}`);
  if (e.known_fields) lines.push(`    known fields: ${e.known_fields.join(', ')}`);
  if (e.asked_for) lines.push(`    asked for: tools whose object is "${e.asked_for}" rank higher`);
  lines.push(`    answer: ${d.answer ? 'yes' : 'no'} (known words ${d.knownShare}, naming matches: ${d.namingHits.join(' ') || 'none'}${d.slug_match ? `, slug match ${d.slug_match}` : ''})`);
  const n = d.nearest;
  lines.push(`    closest labelled request: served ${n.served}, unserved ${n.unserved}${n.overruled ? ' (this decided the answer)' : ''}`);
  for (const [slug, t] of Object.entries(e.tools)) lines.push(`    ${slug}: ${t.score} = ${Object.entries(t.matched).map(([term, fields]) => `${term} in ${fields.join('+')}`).join(', ')}`);
  return lines;
}

interface Row {
  n: number;
  slug: string;
  access: string;
  title: string;
  blocked?: string;
}

const COLUMNS: Column<Row>[] = [
  { header: '#', value: (r) => String(r.n) },
  { header: 'SLUG', value: (r) => r.slug },
  { header: 'ACCESS', value: (r) => r.access },
  { header: 'NOW', value: (r) => (r.blocked ? 'refused' : 'allowed') },
  { header: 'TITLE', value: (r) => r.title },
];

/** One table per use case, all with the same column widths, then why refused tools are refused. */
function renderText(a: SearchAnswer, width?: number): string {
  const tables = a.results.map((r) =>
    r.primary_tool_slugs.map((slug, i): Row => {
      const t = a.tool_schemas[slug]!;
      return { n: i + 1, slug, access: t.access, title: t.title, ...(t.blocked_by_policy ? { blocked: t.blocked_by_policy } : {}) };
    }),
  );
  const minWidths = columnWidths(COLUMNS, tables.flat());
  const lines: string[] = [];
  a.results.forEach((r, i) => {
    lines.push(`Use case: ${r.use_case}`);
    lines.push(tables[i]!.length ? renderTable(COLUMNS, tables[i]!, { minWidths, width, indent: '  ' }) : '  (no tool in scope matches)');
    if ((r.recommended_plan_steps?.length ?? 0) > 1) {
      lines.push('  plan:');
      r.recommended_plan_steps!.forEach((p, k) => lines.push(`    ${k + 1}. ${p.tool_slug}: ${p.purpose}`));
    }
    if (r.related_tool_slugs.length) lines.push(`  related: ${r.related_tool_slugs.join(', ')}`);
    if (r.explain) lines.push(...explainLines(r.explain));
    if (r.note) lines.push(`  note: ${r.note}`);
    lines.push('');
  });
  // Why "refused", once per kind of tool (the reason names a slug; the fix is the same for its kind).
  const refused = new Map<string, Row>();
  for (const row of tables.flat()) if (row.blocked && !refused.has(row.access)) refused.set(row.access, row);
  for (const row of refused.values()) lines.push(`Refused now (${row.access}): ${row.blocked}`);
  if (refused.size) lines.push('');
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
  exitCodes: '0 success, 2 usage error',
  usage: 'segment-router search "<use case>" ["<another use case>" ...] [--known-fields "name:value, ..."] [--limit N] [--explain] [--json]',
  options: {
    limit: { type: 'string', description: 'Most primary tools per use case, 1 to 10 (default 5).' },
    'known-fields': { type: 'string', description: 'Values you already have, "name:value" pairs separated by commas; tools taking them rank higher.' },
    explain: { type: 'boolean', description: 'Show how each use case was read and why each tool ranked where it did.' },
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
      const answer = await buildSearchAnswer(app, useCases.map((use_case) => ({ use_case, ...(known ? { known_fields: known } : {}) })), { limit, explain: !!values.explain });
      if (values.json) printJson(app, answer);
      else printText(app, renderText(answer, terminalWidth()));
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
