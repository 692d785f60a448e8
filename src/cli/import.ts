import { baseUrl, destinationOf } from '../config/runtime.js';
import { oneLine } from '../util/printable.js';
import { constants } from 'node:fs';
import { access, lstat, open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decide } from '../policy/write-policy.js';
import { pruneCheckpoints, runImport, type ImportSummary } from '../import/runner.js';
import { detectFormat } from '../import/format.js';
import type { EventFormat } from '../import/source.js';
import { isoTimestamp, MAX_BATCH_ITEMS_PER_CALL, MESSAGE_TYPES, type MessageType } from '../segment/tracking/schemas.js';
import { appFromFlags, envOptions, jsonOption, qualityOptions } from './app-flags.js';
import { EXIT, INTERRUPTED, UsageError, type CommandSpec } from './common.js';
import { tuneHeapForImport } from './import-heap.js';
import { inputErrorsAsUsage } from './import-errors.js';
import { printJson, printText } from './output.js';
import { RateMeter, startProgressBar } from './progress-bar.js';
import { terminalConfirmer } from './tty-confirm.js';
import { countOf, countText } from '../util/count-text.js';

/**
 * `segment-router import FILE...`: files of historical events sent to Segment through the same
 * SEGMENT_BATCH path as any other call (src/import/runner.ts). This file is the surface: flags, the
 * one question under --write=ask, the progress bar, Ctrl-C, the summary and the exit code.
 */


const fmt = countText;

/** The whole name, extension kept: a.csv and a.ndjson never share a reject file, in one run or two. */
function rejectsPathFor(file: string): string {
  // A file read through /dev or /proc (import /dev/stdin < events.ndjson) gets its reject file here, not in /dev.
  const folder = /^\/(dev|proc)(\/|$)/.test(dirname(resolve(file))) ? '.' : dirname(file);
  return join(folder, `${basename(file)}.rejects.ndjson`);
}

/** Where a path leads, following links (a file not made yet: its folder's real path). */
async function realTarget(path: string): Promise<string> {
  return realpath(path).catch(async () => join(await realpath(dirname(resolve(path))).catch(() => dirname(resolve(path))), basename(path)));
}

/** Longest file name most file systems take, in bytes. */
const MAX_NAME_BYTES = 255;

/**
 * What would otherwise fail only once events were sent (the reject file is opened with the first
 * reject): a name too long, a link to nowhere, a pipe that blocks the run for ever, or a file of
 * something else that the import would write over.
 */
async function usableRejectFile(path: string, info: Awaited<ReturnType<typeof stat>> | undefined, input: string): Promise<void> {
  const other = `Name another file with --rejects PATH (default: ${rejectsPathFor(input)}). Nothing was sent.`;
  if (Buffer.byteLength(basename(path)) > MAX_NAME_BYTES) throw new UsageError(`The reject file's name is longer than ${MAX_NAME_BYTES} bytes, which file systems refuse: ${basename(path).slice(0, 40)}... ${other}`);
  if (!info) {
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink()) throw new UsageError(`--rejects ${path} is a link to a file that does not exist. ${other}`);
    return;
  }
  if (!info.isFile()) throw new UsageError(`--rejects ${path} is not a regular file (a pipe, socket or device): rejected records are written to a file. ${other}`);
  if (info.size > 0 && !(await looksLikeRejects(path))) throw new UsageError(`${path} exists and is not a reject file: the import would write over it. ${other} Or delete it first.`);
}

/** Whether a file starts as a reject file does: `{"line":` and a digit (reject-file.ts writes every line so). */
async function looksLikeRejects(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(9);
    const { bytesRead } = await fh.read(head, 0, 9, 0);
    return bytesRead === 9 && head.toString('latin1', 0, 8) === '{"line":' && head[8]! >= 0x30 && head[8]! <= 0x39;
  } finally {
    await fh.close();
  }
}

/**
 * Each file's reject file, checked before anything is read or sent: never an input (it is written
 * while that is read), never one for two inputs, in a folder that exists and can be written.
 */
async function rejectFiles(inputs: string[], given: string | undefined): Promise<string[]> {
  // A file is its device and inode: a symbolic or a hard link to an input is that input.
  const identity = async (path: string) => {
    const info = await stat(path).catch(() => undefined);
    return info ? `${info.dev}:${info.ino}` : `path:${await realTarget(path)}`;
  };
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const id = await identity(input);
    if (seen.has(id)) throw new UsageError(`${input} is given twice (as ${seen.get(id)} too): name each file once.`);
    seen.set(id, input);
  }
  const out: string[] = [];
  for (const input of inputs) {
    const path = given ?? rejectsPathFor(input);
    const target = await identity(path);
    if (seen.has(target)) {
      // Given, the reject file is the input named; by default, an input is the reject file of another (`import a.ndjson a.ndjson.rejects.ndjson`).
      if (given !== undefined) throw new UsageError(`--rejects ${path} is the file being imported (${seen.get(target)}): rejected records are written while it is read. Name another file, e.g. --rejects ${rejectsPathFor(input)}.`);
      throw new UsageError(`${seen.get(target)} is both a file to import and the reject file of ${input} (its default): rejected records are written while it is read. Import them in separate runs, or name another reject file with --rejects PATH.`);
    }
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) throw new UsageError(`--rejects ${path} is a folder: name a file in it, e.g. --rejects ${join(path, basename(rejectsPathFor(input)))}.`);
    await usableRejectFile(path, info, input);
    const folder = dirname(resolve(path));
    const ok = await access(info ? path : folder, constants.W_OK).then(() => true, () => false);
    if (!ok) throw new UsageError(`Rejected records cannot be written to ${path}: ${info ? 'the file is not writable' : `the folder ${folder} does not exist or is not writable`}. Nothing was sent. Name a writable file with --rejects PATH.`);
    out.push(path);
  }
  return out;
}

/** A path no command takes for an option: `-n.ndjson` as `./-n.ndjson`. */
function pathWord(path: string): string {
  return path.startsWith('-') ? `./${path}` : path;
}

/** A word as a POSIX shell reads it back unchanged: bare when plainly safe, else in single quotes. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `destination`: where the events went, as a confirmation names it ("Segment", or a stand-in said as not Segment). */
export function fileLine(s: ImportSummary, destination = 'Segment'): string[] {
  if (s.already_imported) {
    const out = [`${oneLine(s.file)}: already imported (${fmt(s.accepted)} accepted, ${fmt(s.rejected)} rejected); nothing was sent. Pass --restart to send it again (same messageIds: Segment drops the ones it still has, for about 24 hours).`];
    const late = s.fills_too_late ?? [];
    if (late.length) out.push(`  ${late.map((f) => f.split('=')[0]).join(' and ')} fill${late.length === 1 ? 's' : ''} records still to be read, and this file was read to its end.`);
    if (s.rejected && s.rejects_file) {
      // The way to send what was rejected: its records, fixed (or given the fill now), as a file of their own
      // (docs/import.md, "Sending the rejects"). A JSON array's item may span lines: made one line each.
      // Paths quoted for the shell (a name with a space, or a "$(...)", pastes as what it is); the fixed
      // file named after its input, next to it, so two files' advice never share one.
      const file = shellQuote(pathWord(s.file));
      const rejects = shellQuote(pathWord(s.rejects_file));
      const fixed = shellQuote(pathWord(join(dirname(s.file), `${basename(s.file).replace(/\.(ndjson|jsonl|json|csv)$/i, '')}.fixed.${s.format === 'csv' ? 'csv' : 'ndjson'}`)));
      const take = s.format === 'csv' ? `(head -1 ${file}; jq -r .record ${rejects})` : s.format === 'json' ? `jq -c '.record | fromjson' ${rejects}` : `jq -r .record ${rejects}`;
      out.push(`  To send the ${fmt(s.rejected)} rejected record${s.rejected === 1 ? '' : 's'}, take them from the reject file, fix them${late.length ? ' or give the flag' : ''}, and import them as a file of their own: ${take} > ${fixed} && segment-router import ${fixed}${late.map((f) => ` ${shellQuote(f)}`).join('')} --write=allow`);
    }
    return out;
  }
  const run = s.this_run;
  const out = [
    `${oneLine(s.file)}: ${fmt(s.accepted)} accepted by ${destination}, ${fmt(s.rejected)} rejected${s.rejects_file && s.rejected ? ` (each with its line and reason in ${oneLine(s.rejects_file)})` : ''}${s.resumed_after_line !== undefined ? `; this run took up after line ${fmt(s.resumed_after_line)} and sent ${fmt(run.accepted)}` : ''}, in ${run.seconds} s (${fmt(run.events_per_second)} events/s).`,
  ];
  if (s.findings_summary) {
    const plan = s.tracking_plan?.status === 'applied' ? `tracking plan "${s.tracking_plan.name ?? s.tracking_plan.id}"` : 'no tracking plan (naming and PII checked)';
    out.push(`  Checks (--validate=${s.validate}, ${plan}): ${countOf(s.findings_summary.errors, 'error')} in ${countOf(s.findings_summary.messages_with_errors, 'message')}, ${countOf(s.findings_summary.warnings, 'warning')}.${s.findings?.length ? ` First: line ${s.findings[0]!.line}, ${s.findings[0]!.message}${s.findings[0]!.fix ? ` -> ${s.findings[0]!.fix}` : ''}.` : ''}${s.validate === 'warn' && s.findings_summary.errors ? ' --validate=block keeps such messages back (into the reject file).' : ''}`);
  }
  // What was sent but may not be as meant (a repeated messageId Segment drops, a number past 2^53): said here too, not in --json alone.
  for (const w of s.warnings ?? []) out.push(`  Warning: ${w}`);
  if (s.stopped) {
    // "Stopped: Stopped by the user." read twice: the message says it already.
    out.push(`  ${/^stopped\b/i.test(s.stopped.message) ? '' : 'Stopped: '}${s.stopped.message}${s.stopped.hint ? ` ${s.stopped.hint}` : ''}`);
    if (s.stopped.reason === 'interrupted' || s.stopped.reason === 'not_accepted') out.push('  Run the same command again to go on from where it stopped: lines sent again keep their messageIds, so Segment keeps one copy.');
  }
  return out;
}

export const importCommand: CommandSpec = {
  name: 'import',
  exitCodes: '0 every record accepted, 1 some records rejected or a call failed, 2 usage error, 3 refused by the write policy, 4 not connected, 130 stopped by Ctrl-C, 143 stopped by SIGTERM (the same command goes on where it stopped)',
  summary: 'Send files of historical events (NDJSON, JSON array, CSV) to Segment: streamed, resumable, rejects to a file.',
  usage: 'segment-router import FILE... [--type track|identify|...] [--format ndjson|json|csv] [--default-timestamp now|<ISO>] [--rejects PATH] [--restart] [--batch-size N] [--write=deny|ask|allow] [--validate=warn|block|off] [--json]',
  options: {
    type: { type: 'string', description: 'Call type for records without a "type" field (identify, track, page, screen, group, alias).' },
    format: { type: 'string', description: 'ndjson (one message per line), json (an array) or csv (a header row of field paths); guessed from the file when absent.' },
    'default-timestamp': { type: 'string', description: 'Timestamp for records without one: "now" or an ISO-8601 time. Without it such records are rejected (historical data keeps its time).' },
    rejects: { type: 'string', description: 'Where rejected records go (one JSON line each: line, reason, the record). Default: FILE\'s name with .rejects.ndjson added (events.csv.rejects.ndjson), next to it.' },
    restart: { type: 'boolean', description: 'Read the file from its start again, ignoring where an earlier run stopped.' },
    'batch-size': { type: 'string', description: `Most messages per SEGMENT_BATCH call, 1 to ${countText(MAX_BATCH_ITEMS_PER_CALL)} (default 2,500; CSV 1,000). NDJSON and JSON calls also stop at what one Segment request holds (500 KB as sent). After a crash (kill -9), the calls that were in flight (four) and those settled since the last checkpoint (about 200 ms of them) may go again, under the same ids, which Segment drops.` },
    write: { type: 'string', description: 'Write policy: deny (default) sends nothing, ask confirms once at a prompt, allow sends.' },
    ...qualityOptions,
    ...envOptions,
    ...jsonOption,
  },
  async run({ values, positionals }) {
    if (!positionals.length) throw new UsageError('import takes one or more files, e.g. segment-router import events.ndjson --write=allow.');
    const type = values.type as string | undefined;
    if (type !== undefined && !MESSAGE_TYPES.includes(type as MessageType)) throw new UsageError(`--type must be one of ${MESSAGE_TYPES.join(', ')}, got "${type}".`);
    const ts = values['default-timestamp'] as string | undefined;
    if (ts !== undefined && ts !== 'now' && !isoTimestamp.safeParse(ts).success) throw new UsageError(`--default-timestamp must be "now" or an ISO-8601 time with a zone, e.g. 2026-01-31T12:00:00Z; got "${ts.slice(0, 40)}".`);
    const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH_ITEMS_PER_CALL)) throw new UsageError(`--batch-size must be a whole number from 1 to ${countText(MAX_BATCH_ITEMS_PER_CALL)}.`);
    if (values.rejects !== undefined && positionals.length > 1) throw new UsageError('--rejects names one file: with several inputs, each gets its own reject file next to it.');
    // Every file is checked before anything is sent: readable, and the format it claims.
    const files: { path: string; format: EventFormat; size: number; rejects: string }[] = [];
    const rejects = await rejectFiles(positionals, values.rejects as string | undefined);
    for (const [i, path] of positionals.entries()) {
      const format = await inputErrorsAsUsage(() => detectFormat(path, values.format as string | undefined));
      files.push({ path, format, size: (await stat(path)).size, rejects: rejects[i]! });
    }

    // Before the App exists and before the first request: see import-heap.ts.
    tuneHeapForImport();
    const app = appFromFlags(values, 'warn');
    try {
      const json = values.json === true;
      const refuse = (code: number, message: string) => {
        if (json) printJson(app, { complete: false, accepted: 0, stopped: { reason: 'refused', message } });
        else printText(app, message, process.stderr);
        return code;
      };
      // The policy first, once for the whole import: under deny nothing is read or sent.
      const tool = app.registry.resolve('SEGMENT_BATCH');
      if (!tool.ok) return refuse(EXIT.usage, 'Import sends through SEGMENT_BATCH, which is outside this command\'s scope.');
      const decision = decide(tool.tool, app.config);
      if (decision.action === 'deny') {
        return refuse(EXIT.policy, `Nothing was sent: import writes to Segment and the write policy is "deny" (the default). Run the same command with --write=allow to send, or --write=ask to confirm once at a prompt.`);
      }
      const ready = await app.connections.readiness('tracking');
      if (!ready.ready) return refuse(EXIT.notConnected, `Nothing was sent: import needs the Segment write key: ${ready.capability.detail}${ready.status.instruction ? ` ${ready.status.instruction}` : ''}`);
      if (decision.action === 'ask') {
        const total = files.reduce((n, f) => n + f.size, 0);
        const destination = destinationOf(baseUrl(app.config, 'tracking'));
        const answer = await terminalConfirmer({ stdinTaken: false })({
          slug: 'SEGMENT_BATCH',
          title: 'Import events',
          access: 'write',
          summary: `Import ${files.map((f) => oneLine(f.path)).join(', ')} (${total < 1024 ? `${fmt(total)} bytes` : `${fmt(Math.round(total / 1024))} KB`}) into ${destination}: every record is sent as a tracking message with SEGMENT_BATCH.`,
          destination,
        });
        if (!answer.confirmed) return refuse(EXIT.policy, `Nothing was sent: --write=ask needs a "y" and ${answer.reason}. ${answer.unsupported ? 'Run it in a terminal to answer the prompt, or pass --write=allow.' : ''}`.trim());
      }
      // The tracking plan is loaded before the first line, so every line is checked against it.
      if (app.quality.settings.mode !== 'off') await app.quality.inspect(await app.planTarget(), [], app.config.requestTimeoutMs).catch(() => undefined);

      const stop = new AbortController();
      const cancel = new AbortController();
      let stoppedBy: keyof typeof INTERRUPTED = 'SIGINT';
      const onSignal = (signal: keyof typeof INTERRUPTED) => {
        if (stop.signal.aborted) cancel.abort();
        else {
          stoppedBy = signal;
          stop.abort();
          if (!json) process.stderr.write('\nStopping after the calls in flight (Ctrl-C again to stop at once)...\n');
        }
      };
      const onSigint = () => onSignal('SIGINT');
      // SIGTERM asks to stop now (a service manager kills next): calls in flight are cancelled too,
      // not retried; they are not settled, so the next run sends them again under the same ids.
      const onSigterm = () => {
        onSignal('SIGTERM');
        cancel.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);

      const totalBytes = files.reduce((n, f) => n + f.size, 0);
      const bar = json ? undefined : startProgressBar({ total: totalBytes, fields: '{rate} events/s | accepted {accepted} | rejected {rejected}', values: { rate: 0, accepted: 0, rejected: 0 } });
      const meter = new RateMeter();
      const summaries: ImportSummary[] = [];
      let before = 0;
      try {
        await pruneCheckpoints(app.config.home, files.map((f) => ({ file: f.path, rejectsPath: f.rejects })));
        for (const f of files) {
          const summary = await inputErrorsAsUsage(() =>
            runImport(
              { executor: app.executor, home: app.config.home, mask: (t) => app.redactor.text(t), confirm: async () => ({ confirmed: true }) },
              {
                file: f.path,
                format: f.format,
                ...(type ? { type: type as MessageType } : {}),
                ...(ts ? { defaultTimestamp: ts } : {}),
                rejectsPath: f.rejects,
                ...(values.rejects !== undefined ? { rejectsNamed: true } : {}),
                restart: values.restart === true,
                ...(batchSize ? { chunkMessages: batchSize } : {}),
                stop: stop.signal,
                signal: cancel.signal,
                onProgress: (p) => bar?.update(before + p.bytesRead, { rate: fmt(meter.add(p.accepted)), accepted: fmt(p.accepted), rejected: fmt(p.rejected) }),
              },
            ),
          );
          summaries.push(summary);
          before += f.size;
          // The last frame is the file done, not the last read's 98 % and "ETA 1s".
          if (summary.complete) bar?.update(before, { rate: fmt(meter.add(summary.this_run.accepted)), accepted: fmt(summary.this_run.accepted), rejected: fmt(summary.this_run.rejected) });
          if (summary.stopped) break;
        }
      } finally {
        bar?.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      }

      const stopped = summaries.find((s) => s.stopped)?.stopped;
      const totals = { accepted: summaries.reduce((n, s) => n + s.accepted, 0), rejected: summaries.reduce((n, s) => n + s.rejected, 0) };
      const complete = summaries.length === files.length && summaries.every((s) => s.complete);
      if (json) printJson(app, { complete, ...totals, ...(stopped ? { stopped } : {}), files: summaries });
      else {
        const destination = destinationOf(baseUrl(app.config, 'tracking'));
        printText(app, summaries.flatMap((s) => fileLine(s, destination)).join('\n'), stopped ? process.stderr : process.stdout);
      }
      if (stopped?.reason === 'interrupted') return INTERRUPTED[stoppedBy];
      if (stopped?.reason === 'refused') return stopped.kind === 'not_connected' ? EXIT.notConnected : EXIT.policy;
      return complete && totals.rejected === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      await app.close();
    }
  },
};
