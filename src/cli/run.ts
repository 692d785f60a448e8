import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { countText } from '../util/count-text.js';
import { AnswerReceipts } from '../util/answer-receipts.js';
import type { ScriptReport } from '../workbench/report.js';
import { SCRIPT_LIMITS } from '../workbench/limits.js';
import { appFromFlags, envOptions, jsonOption, policyOptions, scopeOptions } from './app-flags.js';
import { EXIT, readAtMost, readStdin, UsageError, type CommandSpec } from './common.js';
import { flushed, indentJson, printJson, printText } from './output.js';
import { terminalConfirmer } from './tty-confirm.js';

/** Bytes of a script read at most: its character limit, at up to four UTF-8 bytes a character. */
const MAX_SCRIPT_BYTES = SCRIPT_LIMITS.maxScriptChars * 4;
const tooLong = (file: string) => new UsageError(`The script ${file} is over ${countText(SCRIPT_LIMITS.maxScriptChars)} characters, the limit. Keep data out of the script: let it fetch what it needs.`);

/** The script's text, read no further than its limit allows (a 300 MB file, or /dev/zero, read whole first took 650 MB). */
async function scriptFrom(file: string): Promise<string> {
  if (file === '-') return readStdin('run - reads the script from stdin, but stdin is a terminal. Pipe the script in, or pass a file.', MAX_SCRIPT_BYTES);
  try {
    const info = await stat(file);
    if (info.isFile() && info.size > MAX_SCRIPT_BYTES) throw tooLong(file);
    return await readAtMost(createReadStream(file), MAX_SCRIPT_BYTES, () => tooLong(file));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read the script ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
}

function timeoutFrom(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > SCRIPT_LIMITS.maxTimeoutMs) throw new UsageError(`--timeout-ms must be a whole number from 1 to ${SCRIPT_LIMITS.maxTimeoutMs}, got "${raw}".`);
  return n;
}

/** For people: what the script printed, what it would write or wrote, then its answer or what stopped it. */
function renderText(r: ScriptReport): { text: string; toStderr: boolean } {
  const lines: string[] = [];
  // Every line of a log entry keeps the prefix: a script cannot print a line that reads as the run's own.
  for (const l of r.logs ?? []) for (const part of l.split(/\r\n|[\r\n\u2028\u2029]/)) lines.push(`log: ${part}`);
  if (r.logs_dropped) lines.push(`log: (${r.logs_dropped} more lines not kept)`);
  if (r.planned_writes?.length) {
    lines.push(`Planned writes (${r.planned_writes.length}, not sent):`);
    r.planned_writes.forEach((w, i) =>
      w.requests && w.arguments !== undefined
        ? lines.push(`  ${i + 1}. ${w.slug} ${w.requests.map((q) => `${q.method} ${q.url}`).join(', ')}`, indentJson(w.arguments, '     '))
        : lines.push(`  ${i + 1}. ${w.slug} (its ${w.left_out_bytes ?? 0} bytes of arguments and request were not kept: the script's records passed their limit)`),
    );
  }
  if (r.writes?.length) {
    lines.push(`Writes (${r.writes.length}):`);
    r.writes.forEach((w, i) => lines.push(`  ${i + 1}. ${w.slug} ${w.successful ? 'sent' : `not sent: ${w.error?.message ?? 'failed'}`}`));
  }
  const calls = `${r.tool_calls.total} tool call(s), ${r.tool_calls.failed} failed, ${r.elapsed_ms} ms`;
  if (r.successful) {
    lines.push(`OK${r.dry_run ? ' (dry run)' : ''}: ${calls}`, indentJson(r.result));
    return { text: lines.join('\n'), toStderr: false };
  }
  const e = r.error!;
  // Hints name the answer's "calls", which this text lists below.
  lines.push(`Failed (${e.limit ?? e.kind})${e.at ? ` at ${e.at}` : ''}: ${e.message}`);
  if (e.hint) lines.push(`Hint: ${e.hint.replace(/the last failed entry in "calls"/, 'the last failed call listed below').replace(/listed in "calls"/, 'listed below')}`);
  if (r.calls?.length) {
    lines.push(`Calls that ran (${calls}; --json shows each answer):`);
    r.calls.forEach((c, i) => lines.push(`  ${i + 1}. ${c.slug} ${c.successful ? (c.dry_run ? 'ok (a dry run: nothing sent)' : 'ok') : `failed (${c.error?.kind}): ${c.error?.message}`}`));
    // What to do about the call that stopped the script (under deny: the --write flag), in its own words.
    const failed = r.calls.filter((c) => !c.successful).at(-1);
    if (failed?.error?.hint) lines.push(`     ${failed.error.hint}`);
  }
  return { text: lines.join('\n'), toStderr: true };
}

/** Exit codes as for `call`: a refused write is 3 whether the script or the confirmation refused it. */
function exitCodeOf(r: ScriptReport): number {
  if (r.successful) return EXIT.ok;
  if (r.error?.kind === 'usage') return EXIT.usage;
  if (r.error?.kind === 'policy') return EXIT.policy;
  // Under ask the plan's writes cannot be asked about without a write key: the run ends not connected.
  if (r.error?.kind === 'not_connected') return EXIT.notConnected;
  const last = r.calls?.filter((c) => !c.successful).at(-1);
  if (r.error?.kind === 'script' && last?.error?.kind === 'policy') return EXIT.policy;
  if (r.error?.kind === 'script' && last?.error?.kind === 'not_connected') return EXIT.notConnected;
  return EXIT.failed;
}

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Run a JavaScript file of tool calls inside the router (a WebAssembly script sandbox, no network or files), the same way RUN_SCRIPT does.',
  usage: 'segment-router run <FILE.js | -> [--dry-run] [--timeout-ms N] [--write=deny|ask|allow] [--allow-destructive] [--json]',
  options: {
    'dry-run': { type: 'boolean', description: 'Reads run; writes are listed with their exact requests and not sent.' },
    'timeout-ms': { type: 'string', description: `Wall time of the script (default ${SCRIPT_LIMITS.defaultTimeoutMs}, at most ${SCRIPT_LIMITS.maxTimeoutMs}).` },
    ...policyOptions,
    ...scopeOptions,
    ...envOptions,
    ...jsonOption,
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('run takes one script file (or - for stdin), e.g. segment-router run disabled-destinations.js --dry-run.');
    const file = positionals[0]!;
    const script = await scriptFrom(file);
    const timeoutMs = timeoutFrom(values['timeout-ms']);
    const app = appFromFlags(values, 'warn');
    const receipts = new AnswerReceipts();
    try {
      const report = await app.workbench.run({ script, dryRun: values['dry-run'] === true, timeoutMs }, { confirm: terminalConfirmer({ stdinTaken: file === '-' }), receipts });
      // The engine names the script "script.js"; a person knows it by its file.
      if (report.error?.at) report.error.at = report.error.at.replace(/^script\.js(?=:)/, file === '-' ? 'stdin' : file);
      if (values.json) printJson(app, report);
      else {
        const { text, toStderr } = renderText(report);
        printText(app, text, toStderr ? process.stderr : process.stdout);
      }
      // Printed and handed to the system: the script's tracking calls close their journal runs now, as `call` does.
      await flushed(process.stdout, process.stderr);
      receipts.delivered();
      return exitCodeOf(report);
    } finally {
      await app.close();
    }
  },
};
