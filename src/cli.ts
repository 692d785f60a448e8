#!/usr/bin/env node
import { ConfigError } from './config/runtime.js';
import { EXIT, helpText, UsageError, type CommandSpec } from './cli/common.js';
import { callCommand } from './cli/call.js';
import { runCommand } from './cli/run.js';
import { closest, parseFlags } from './cli/flags.js';
import { sandboxCommand } from './cli/sandbox.js';
import { schemaCommand } from './cli/schema.js';
import { searchCommand } from './cli/search.js';
import { serveCommand } from './cli/serve.js';
import { toolsCommand } from './cli/tools.js';
import { connectionsCommand } from './cli/connections.js';
import { validateCommand } from './cli/validate.js';
import { importCommand } from './cli/import.js';
import { doctorCommand } from './cli/doctor.js';
import { setupCommand } from './cli/setup.js';
import { Redactor } from './security/redact.js';
import { VERSION } from './version.js';

/** Argument parsing and dispatch only; each command lives in src/cli/. */
const commands: CommandSpec[] = [
  serveCommand,
  searchCommand,
  callCommand,
  runCommand,
  toolsCommand,
  schemaCommand,
  sandboxCommand,
  connectionsCommand,
  validateCommand,
  importCommand,
  setupCommand,
  doctorCommand,
];

function topHelp(): string {
  return [
    `segment-router ${VERSION}: a local MCP server and CLI for automating Segment.`,
    '',
    'Usage: segment-router <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    '',
    'Run "segment-router <command> --help" for a command\'s options.',
    'Exit codes: 0 success, 1 the call failed, 2 usage error, 3 refused by the write policy, 4 not connected.',
  ].join('\n');
}

/** The command being run, so a usage error can point at that command's help. */
let current: CommandSpec | undefined;

async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    const near = closest(name, commands.map((c) => c.name));
    throw new UsageError(`Unknown command "${name}".${near ? ` Did you mean ${near}?` : ''} Commands: ${commands.map((c) => c.name).join(', ')}.`);
  }
  current = cmd;
  const parsed = parseFlags(rest, { ...cmd.options, help: { type: 'boolean', short: 'h', description: 'Show this help.' } });
  if (parsed.values.help) {
    process.stdout.write(helpText(cmd) + '\n');
    return EXIT.ok;
  }
  return cmd.run(parsed as { values: Record<string, unknown>; positionals: string[] });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: Error) => {
    const usage = err instanceof UsageError || err instanceof ConfigError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    // No App exists yet for most of these; still mask the environment's credentials (a JSON error can quote input).
    const redactor = new Redactor();
    redactor.add(process.env.SEGMENT_WRITE_KEY);
    redactor.add(process.env.SEGMENT_PUBLIC_API_TOKEN);
    const help = current ? `segment-router ${current.name} --help` : 'segment-router --help';
    process.stderr.write(redactor.text(`segment-router: ${err.message}\n${usage ? `Run "${help}" for usage.\n` : ''}`));
    process.exitCode = usage ? EXIT.usage : EXIT.failed;
  },
);
