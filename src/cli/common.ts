import type { ParseArgsConfig } from 'node:util';

/** Exit codes, documented in README and --help. */
export const EXIT = { ok: 0, failed: 1, usage: 2, policy: 3, notConnected: 4 } as const;

/** Exit codes of a command stopped by a signal, as shells report them: Ctrl-C (SIGINT), and SIGTERM (kill, a service manager). */
export const INTERRUPTED = { SIGINT: 130, SIGTERM: 143 } as const;
export type Interruption = keyof typeof INTERRUPTED;

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string };

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** What each subcommand does, for a command that has them (`connections list`). */
  subcommands?: Record<string, string>;
  /** The exit codes this command can give, when not all five (a command that sends nothing is never refused by the write policy). */
  exitCodes?: string;
  /** Help on what the positionals name (`call SEGMENT_TRACK --help`: that tool's page), instead of the command's. */
  topicHelp?(parsed: { values: Record<string, unknown>; positionals: string[] }): Promise<string>;
  /** Returns the exit code, or undefined for a long-running command that exits on its own. */
  run(parsed: { values: Record<string, unknown>; positionals: string[] }): Promise<number | undefined>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A port someone else holds, said with what to do (Node's own words name neither the flag nor a way out). */
export function portTaken(err: unknown, host: string, port: number): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return err;
  return new Error(`${host}:${port} is already in use (another sandbox or server of this router?). Stop that one, or pass --port with another number (--port 0 takes any free port).`);
}

export function listFlag(v: unknown): string[] | undefined {
  if (typeof v !== 'string' || !v.trim()) return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

const ALL_EXIT_CODES = '0 success, 1 the call failed, 2 usage error, 3 refused by the write policy, 4 not connected';

export function helpText(cmd: CommandSpec): string {
  const lines = [`${cmd.summary}`, '', `Usage: ${cmd.usage}`, ''];
  if (cmd.subcommands) {
    lines.push('Subcommands:');
    for (const [name, what] of Object.entries(cmd.subcommands)) lines.push(`  ${name}`.padEnd(30) + what);
    lines.push('');
  }
  lines.push('Options:');
  for (const [name, o] of Object.entries({ ...cmd.options, help: { type: 'boolean', description: 'Show this help.' } as OptionSpec })) {
    lines.push(`  --${name}${o.type === 'string' ? ' <value>' : ''}`.padEnd(30) + o.description);
  }
  lines.push('', `Exit codes: ${cmd.exitCodes ?? ALL_EXIT_CODES}.`);
  return lines.join('\n');
}

/** Reads all of stdin (never a terminal: a prompt-less wait would look like a hang), up to `maxBytes`. */
export async function readStdin(onTerminal: string, maxBytes = Infinity): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(onTerminal);
  return readAtMost(process.stdin, maxBytes, () => new UsageError(`stdin input is larger than ${Math.round(maxBytes / 1024)} KB.`));
}

/** A stream's text, read no further than `maxBytes`: past it, `tooLarge()` is thrown and the rest is never read. */
export async function readAtMost(stream: AsyncIterable<unknown>, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
