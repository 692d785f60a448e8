import type { Finding, PlanStatus } from '../quality/types.js';
import { checkable } from '../segment/tracking/validate-tool.js';
import { MESSAGE_TYPES } from '../segment/tracking/schemas.js';
import { appFromFlags, envOptions, jsonOption } from './app-flags.js';
import { EXIT, UsageError, type CommandSpec } from './common.js';
import { printJson, printText } from './output.js';
import { detectFormat } from '../import/format.js';
import { readRecords, placeOf } from '../import/read.js';
import { inputErrorsAsUsage, recordsAsUsage } from './import-errors.js';
import { countOf, countText } from '../util/count-text.js';
import { checkRecordValues, NO_TYPE } from '../import/prepare.js';

/**
 * `segment-router validate FILE`: SEGMENT_VALIDATE_EVENTS for a file. The same checks (tracking
 * plan, naming, PII) on every message, nothing sent; a summary table for people, JSON with --json.
 * Messages are checked in slices, so a large file never builds one huge list of findings.
 */

const SLICE = 5_000;
/** Findings, refused messages and layout problems kept for --json (the counts cover every one). */
const MAX_LISTED = 1_000;
/**
 * Groups of findings (kind, severity, field, rule) kept apart; past this many, the findings of further
 * fields are counted together under OTHER_FIELDS. A file whose keys differ line by line (a key per
 * user or per SKU) made one group per line: 300,000 lines took 1.7 GB and printed 192 MB of JSON.
 */
const MAX_GROUPS = 1_000;
const OTHER_FIELDS = `(other fields, past ${countText(MAX_GROUPS)} groups)`;

interface Row {
  kind: string;
  severity: string;
  field: string;
  count: number;
  example: Finding & { line: number; item?: number };
}

interface Totals {
  messages: number;
  checked: number;
  errors: number;
  warnings: number;
  messagesWithErrors: number;
  /** The first MAX_LISTED messages the Tracking API would refuse, and how many there were. */
  invalid: { line: number; item?: number; reason: string }[];
  invalidCount: number;
  /** What in the file is no message at all (an empty slot in a JSON array): said, not counted. */
  layout: { line: number; reason: string }[];
  layoutCount: number;
  rows: Map<string, Row>;
  listed: (Finding & { line: number; item?: number })[];
  plan?: PlanStatus;
}

function add(t: Totals, f: Finding, at: { line: number; item?: number }): void {
  if (f.severity === 'error') t.errors++;
  else t.warnings++;
  let key = `${f.kind}|${f.severity}|${f.field ?? ''}|${f.rule ?? ''}`;
  let row = t.rows.get(key);
  if (!row && t.rows.size >= MAX_GROUPS) row = t.rows.get((key = `${f.kind}|${f.severity}|${OTHER_FIELDS}|`));
  if (row) row.count++;
  else t.rows.set(key, { kind: f.kind, severity: f.severity, field: t.rows.size >= MAX_GROUPS ? OTHER_FIELDS : (f.field ?? '-'), count: 1, example: { ...f, ...at } });
  if (t.listed.length < MAX_LISTED) t.listed.push({ ...f, ...at });
}

/** What --json adds to the first ten shown here: all of them, or the first MAX_LISTED. */
const listedByJson = (count: number) => (count > MAX_LISTED ? `--json lists the first ${countText(MAX_LISTED)}` : '--json lists them');

/** In a CSV file a value's type is the column's: "send x as string" is done in the header (`x:string`). */
function csvFix(format: string, f: Finding): Finding {
  const m = format === 'csv' && f.fix ? /^send (\S+) as (string|number|integer|boolean)$/.exec(f.fix) : null;
  if (!m) return f;
  return { ...f, fix: `${f.fix} (in the CSV header, name the column ${m[1]}:${m[2] === 'integer' ? 'number' : m[2]})` };
}

function table(rows: Row[]): string {
  const head = ['kind', 'severity', 'count', 'field', 'first seen: message -> fix'];
  const cells = rows.map((r) => [r.kind, r.severity, countText(r.count), r.field, `${placeOf(r.example)}: ${r.example.message}${r.example.fix ? ` -> ${r.example.fix}` : ''}`]);
  const widths = head.slice(0, 4).map((h, i) => Math.min(40, Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const line = (c: string[]) => c.map((x, i) => (i < 4 ? x.padEnd(widths[i]!) : x)).join('  ');
  return [line(head), line(head.map((h, i) => '-'.repeat(i < 4 ? widths[i]! : h.length))), ...cells.map(line)].join('\n');
}

function planLine(plan: PlanStatus | undefined): string {
  if (!plan) return 'No message could be checked.';
  if (plan.status === 'applied') return `Tracking plan "${plan.name ?? plan.id}" (${plan.id}, source ${plan.source_id}, ${plan.rules} rules)${plan.skipped_rules?.length ? `; rules skipped: ${plan.skipped_rules.join('; ')}` : ''}.`;
  return `${plan.reason.charAt(0).toUpperCase()}${plan.reason.slice(1)}: only naming and PII were checked.`;
}

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'Check a file of tracking messages against the tracking plan, naming conventions and PII, without sending.',
  usage: 'segment-router validate FILE [--type track|identify|...] [--source-id ID] [--naming snake|camel|off] [--format ndjson|json|csv] [--json]',
  // It sends nothing: the write policy never refuses it, and without credentials it checks naming and PII.
  exitCodes: '0 no finding that keeps a message back, 1 some messages have errors or cannot be sent as written, or the plan of --source-id could not be read, 2 usage error',
  options: {
    type: { type: 'string', description: 'Call type for messages without a "type" field (identify, track, page, screen, group, alias).' },
    'source-id': { type: 'string', description: 'Check against this source\'s tracking plan instead of the one of the write key\'s source.' },
    naming: { type: 'string', description: 'Key style expected in properties and traits: snake (default), camel or off.' },
    format: { type: 'string', description: 'ndjson (one message per line), json (an array) or csv (a header row of field paths); guessed from the file when absent.' },
    ...envOptions,
    ...jsonOption,
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('validate takes one file, e.g. segment-router validate events.ndjson.');
    const file = positionals[0]!;
    const type = values.type as string | undefined;
    if (type !== undefined && !MESSAGE_TYPES.includes(type as (typeof MESSAGE_TYPES)[number])) throw new UsageError(`--type must be one of ${MESSAGE_TYPES.join(', ')}, got "${type}".`);
    const format = await inputErrorsAsUsage(() => detectFormat(file, values.format as string | undefined));
    const app = appFromFlags(values, 'warn');
    try {
      if (values['source-id'] !== undefined && !(values['source-id'] as string).trim()) throw new UsageError('--source-id is empty: give a source id (segment-router call SEGMENT_LIST_SOURCES lists them), or leave it out to use the write key\'s source.');
      const target = await app.planTarget(values['source-id'] as string | undefined);
      const now = new Date().toISOString();
      const t: Totals = { messages: 0, checked: 0, errors: 0, warnings: 0, messagesWithErrors: 0, invalid: [], invalidCount: 0, layout: [], layoutCount: 0, rows: new Map(), listed: [] };
      const refuse = (at: { line: number; item?: number }, reason: string) => {
        if (t.invalidCount++ < MAX_LISTED) t.invalid.push({ ...at, reason });
      };
      let slice: { type: string; message: Record<string, unknown> }[] = [];
      let lines: { line: number; item?: number }[] = [];
      const flush = async () => {
        if (!slice.length) return;
        const report = await app.quality.inspect(target, slice, app.config.requestTimeoutMs, Infinity);
        t.plan = report.tracking_plan;
        t.messagesWithErrors += report.findings_summary.messages_with_errors;
        for (const f of report.findings) add(t, csvFix(format, { ...f, index: t.checked + f.index }), lines[f.index]!);
        t.checked += slice.length;
        slice = [];
        lines = [];
      };
      for await (const batch of recordsAsUsage(readRecords(file, format))) {
        for (const item of batch) {
          const at = { line: item.line, ...(item.item !== undefined ? { item: item.item } : {}) };
          // An empty slot, a comma before "]", text after it: the file's layout, no message (import counts them as rejects).
          if (item.error && !item.raw.length && item.item === undefined && format === 'json') {
            if (t.layoutCount++ < MAX_LISTED) t.layout.push({ ...at, reason: item.error });
            continue;
          }
          t.messages++;
          if (item.error) {
            refuse(at, item.error);
            continue;
          }
          const untyped = !!item.value && typeof item.value === 'object' && !Array.isArray(item.value) && !('type' in item.value);
          if (untyped && !type) {
            refuse(at, NO_TYPE);
            continue;
          }
          const raw = untyped ? { type, ...(item.value as object) } : item.value;
          // What import (and any SEGMENT_BATCH) refuses before the schema: too deep, a number JSON cannot carry.
          const refused = checkRecordValues(raw).error;
          if (refused) {
            refuse(at, refused);
            continue;
          }
          // Fields named from the message's top (the line is said before the reason).
          const c = checkable(raw, t.messages - 1, now, []);
          if (!c.ok) {
            refuse(at, c.reason);
            continue;
          }
          slice.push({ type: c.type, message: c.message });
          lines.push(at);
          if (slice.length >= SLICE) await flush();
        }
      }
      await flush();

      const rows = [...t.rows.values()].sort((a, b) => (a.severity === b.severity ? b.count - a.count : a.severity === 'error' ? -1 : 1));
      // A plan asked for by --source-id and not read (a source id mistyped, the API down) is no pass: the
      // check the person asked for did not happen. A source with no plan connected has nothing to break.
      const sourceId = values['source-id'] as string | undefined;
      const planMissed = sourceId !== undefined && t.plan?.status !== 'applied' && !(t.plan?.status === 'unavailable' && t.plan.no_plan);
      const failed = t.errors > 0 || t.invalidCount > 0 || t.layoutCount > 0 || planMissed;
      if (values.json) {
        printJson(app, {
          file,
          format,
          messages: t.messages,
          messages_checked: t.checked,
          tracking_plan: t.plan,
          ...(planMissed ? { plan_not_read: `the tracking plan of --source-id ${sourceId} was not read: the messages were not checked against it` } : {}),
          findings_summary: { errors: t.errors, warnings: t.warnings, messages_with_errors: t.messagesWithErrors, invalid_messages: t.invalidCount },
          groups: rows.map((r) => ({ kind: r.kind, severity: r.severity, field: r.field, count: r.count, example: r.example })),
          findings: t.listed,
          ...(t.errors + t.warnings > t.listed.length ? { findings_listed: t.listed.length } : {}),
          invalid_messages: t.invalid,
          ...(t.invalidCount > t.invalid.length ? { invalid_messages_listed: t.invalid.length } : {}),
          ...(t.layoutCount ? { not_messages_count: t.layoutCount, not_messages: t.layout } : {}),
        });
        return failed ? EXIT.failed : EXIT.ok;
      }
      const out = [
        `Checked ${countText(t.checked)} of ${countOf(t.messages, 'message')} in ${file}; nothing was sent.`,
        planLine(t.plan),
        ...(planMissed ? [`The tracking plan of --source-id ${sourceId} was not read, so the messages were not checked against it (exit 1): check the source id (segment-router call SEGMENT_LIST_SOURCES lists them) and run it again.`] : []),
        `${countOf(t.errors, 'error')} in ${countOf(t.messagesWithErrors, 'message')} (kept back when sending with --validate=block), ${countOf(t.warnings, 'warning')}${t.invalidCount ? `, ${countOf(t.invalidCount, 'message')} the Tracking API would refuse` : ''}.`,
      ];
      if (rows.length) out.push('', table(rows.slice(0, 40)), ...(rows.length > 40 ? [`... and ${rows.length - 40} more rows (--json lists them all).`] : []));
      if (t.layoutCount) out.push('', `Not messages (the file's layout, ${countText(t.layoutCount)}):`, ...t.layout.slice(0, 10).map((x) => `  line ${x.line}: ${x.reason}`), ...(t.layoutCount > 10 ? [`  ... and ${countText(t.layoutCount - 10)} more (${listedByJson(t.layoutCount)}).`] : []));
      if (t.invalidCount) out.push('', 'Refused by the Tracking API\'s own rules:', ...t.invalid.slice(0, 10).map((x) => `  ${placeOf(x)}: ${x.reason}`), ...(t.invalidCount > 10 ? [`  ... and ${countText(t.invalidCount - 10)} more (${listedByJson(t.invalidCount)}).`] : []));
      printText(app, out.join('\n'));
      return failed ? EXIT.failed : EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
