import { readFile, stat } from 'node:fs/promises';
import { AnswerReceipts } from '../util/answer-receipts.js';
import type { ExecutionResult } from '../execution/executor.js';
import { appFromFlags, qualityOptions, envOptions, jsonOption, policyOptions, scopeOptions } from './app-flags.js';
import { INTERRUPTED, readStdin, UsageError, type CommandSpec, type Interruption } from './common.js';
import { jsonErrorReason } from '../security/redact.js';
import { exitCodeFor, flushed, indentJson, printJson, printText } from './output.js';
import { canAsk, terminalConfirmer } from './tty-confirm.js';
import { renderList } from './list-view.js';
import { MAX_KEPT_ANSWER_BYTES } from '../util/result-store.js';
import { parseJsonText } from '../util/json-text.js';
import { terminalWidth } from './table.js';
import { decide } from '../policy/write-policy.js';
import { toolHelp, toolNamed } from './tool-help.js';
import { callProgress } from './call-progress.js';

/** The arguments object from --args: inline JSON, or "-" for stdin. Bad JSON is a usage error (nothing is run). */
/** The most of a file `--args @FILE` reads: past the executor's own limit on arguments (5 MB by default), with room. */
const MAX_ARGS_FILE_BYTES = 64 * 1024 * 1024;

/** `--args @events.json`, as curl reads a body: the file's text, or a usage error that names the file. */
async function argsFile(path: string): Promise<string> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`--args @${path}: ${err.code === 'ENOENT' ? 'no such file' : `cannot be read (${err.code})`}. Give a JSON file after @, "-" for stdin, or the JSON itself.`);
  });
  if (!info.isFile()) throw new UsageError(`--args @${path} is not a file. Give a JSON file after @, "-" for stdin, or the JSON itself.`);
  if (info.size > MAX_ARGS_FILE_BYTES) throw new UsageError(`--args @${path} is ${Math.round(info.size / 1024 / 1024)} MB: arguments are at most 5 MB a call. For a file of events, use segment-router import.`);
  return readFile(path, 'utf8');
}

async function argsFrom(raw: unknown): Promise<Record<string, unknown>> {
  if (raw === undefined) return {};
  const text =
    raw === '-'
      ? await readStdin('--args - reads JSON from stdin, but stdin is a terminal. Pipe the JSON in, or pass it inline with --args \'{...}\'.')
      : typeof raw === 'string' && raw.length > 1 && raw.startsWith('@')
        ? await argsFile(raw.slice(1))
        : String(raw);
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch (err) {
    throw new UsageError(`--args is not valid JSON: ${jsonErrorReason(err)}. Example: --args '{"userId":"u1","event":"Signed Up"}'.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--args must be a JSON object, e.g. {"userId":"u1"}.');
  return value as Record<string, unknown>;
}

function renderText(r: ExecutionResult, width?: number): { text: string; toStderr: boolean } {
  if (r.successful) {
    // A list (sources, destinations, ...) reads best as a table; anything else as indented JSON. A dry
    // run shows the requests whole (bodies, key masked): a table of their addresses would hide them.
    const dry = (r.data as { dry_run?: unknown } | undefined)?.dry_run === true;
    const body = r.data === undefined ? '' : ((dry ? undefined : renderList(r.data, width)) ?? indentJson(r.data));
    return { text: `OK ${r.tool_slug}\n${body}`, toStderr: false };
  }
  const e = r.error!;
  return { text: `Failed${r.tool_slug ? ` ${r.tool_slug}` : ''} (${e.kind}): ${e.message}${e.hint ? `\nHint: ${e.hint}` : ''}`, toStderr: true };
}

export const callCommand: CommandSpec = {
  name: 'call',
  summary: 'Run one Segment tool, the same way EXECUTE_TOOL does.',
  usage: "segment-router call <SLUG> --args '<json>' | --args - | --args @FILE [--write=deny|ask|allow] [--allow-destructive] [--dry-run] [--json]",
  options: {
    args: { type: 'string', description: 'The tool\'s arguments as a JSON object; "-" reads them from stdin, "@FILE" from a file.' },
    'dry-run': { type: 'boolean', description: 'Show the exact request (secrets masked) and send nothing (a tracking call still reads its tracking plan, to show the findings).' },
    ...policyOptions,
    ...scopeOptions,
    ...envOptions,
    ...jsonOption,
    ...qualityOptions,
  },
  async topicHelp({ values, positionals }) {
    const app = appFromFlags(values, 'warn');
    try {
      return toolHelp(app, toolNamed(app, positionals[0]!));
    } finally {
      await app.close();
    }
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('call takes exactly one tool slug, e.g. segment-router call SEGMENT_TRACK --args \'{"userId":"u1","event":"Signed Up"}\'.');
    const args = await argsFrom(values.args);
    const app = appFromFlags(values, 'warn');
    // A server loads the tracking plan in the background and applies it from then on; a one-off call
    // has no "from then on": it waits for the plan (as `validate` does), or --validate=block never blocks.
    const resolved = app.registry.resolve(positionals[0]!);
    // A call the write policy refuses reads nothing either: under deny nothing reaches Segment; under ask
    // with no terminal to ask on, the question will be refused.
    // A dry run is never refused, and shows the findings the call would get: it waits for the plan too.
    const action = resolved.ok ? decide(resolved.tool, app.config).action : 'deny';
    const dryRun = values['dry-run'] === true;
    const refused = !dryRun && (action === 'deny' || (action === 'ask' && !canAsk({ stdinTaken: values.args === '-' })));
    if (resolved.ok && resolved.tool.toolset === 'tracking' && app.quality.settings.mode !== 'off' && !refused) {
      await app.quality.inspect(await app.planTarget(), [], app.config.requestTimeoutMs).catch(() => undefined);
    }
    const bar = callProgress({ json: values.json === true });
    // Ctrl-C (or SIGTERM) stops the call: no new request goes, those in flight are answered, and the
    // answer says what was sent. A second one quits at once, the terminal put back first.
    const stop = new AbortController();
    let stoppedBy: Interruption | undefined;
    const onSignal = (signal: Interruption) => {
      if (stoppedBy) {
        bar.stop();
        process.exit(INTERRUPTED[signal]);
      }
      stoppedBy = signal;
      stop.abort(new Error('Stopped by the user.'));
      if (values.json !== true) process.stderr.write('\nStopping: no new request is sent; waiting for the answers to those already sent (Ctrl-C again to quit at once). The answer below says what reached Segment and what to do.\n');
    };
    const onSigint = () => onSignal('SIGINT');
    const onSigterm = () => onSignal('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    const receipts = new AnswerReceipts();
    try {
      let result;
      try {
        result = await app.executor.execute(
          // A person or a pipe gets the whole answer; the inline limit is for MCP clients, which get a link.
          { slug: positionals[0]!, arguments: args, dryRun: values['dry-run'] === true, maxAnswerBytes: MAX_KEPT_ANSWER_BYTES },
          { confirm: terminalConfirmer({ stdinTaken: values.args === '-' }), progress: bar.progress, stop: stop.signal, receipts },
        );
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      }
      if (values.json) printJson(app, result);
      else {
        const { text, toStderr } = renderText(result, terminalWidth());
        printText(app, text, toStderr ? process.stderr : process.stdout);
      }
      // Printed and handed to the system: a tracking call's journal run closes now (util/answer-receipts.ts).
      // Killed before, a rerun sends nothing again.
      await flushed(process.stdout, process.stderr);
      receipts.delivered();
      return stoppedBy ? INTERRUPTED[stoppedBy] : exitCodeFor(result);
    } finally {
      await app.close();
    }
  },
};
