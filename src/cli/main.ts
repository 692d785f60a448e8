#!/usr/bin/env node
import { ConfigError } from '../config/runtime.js';
import { EXIT, helpText, UsageError, type CommandSpec } from './common.js';
import { closest, parseFlags } from './flags.js';
import { forTerminal } from '../util/printable.js';
import { Redactor } from '../security/redact.js';
import { nameRewrites } from '../quality/naming.js';
import { VERSION } from '../version.js';

/**
 * Argument parsing and dispatch only; each command lives in src/cli/. A command's module is loaded
 * when it runs, so `serve` (what MCP clients start) does not pay for loading import, run, doctor...
 */
const commands: Record<string, () => Promise<CommandSpec>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  search: async () => (await import('./search.js')).searchCommand,
  call: async () => (await import('./call.js')).callCommand,
  run: async () => (await import('./run.js')).runCommand,
  tools: async () => (await import('./tools.js')).toolsCommand,
  schema: async () => (await import('./schema.js')).schemaCommand,
  sandbox: async () => (await import('./sandbox.js')).sandboxCommand,
  connections: async () => (await import('./connections.js')).connectionsCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  import: async () => (await import('./import.js')).importCommand,
  setup: async () => (await import('./setup.js')).setupCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
};
const names = Object.keys(commands);

async function topHelp(): Promise<string> {
  const specs = await Promise.all(names.map((n) => commands[n]!()));
  return [
    `segment-router ${VERSION}: a local MCP server and CLI for automating Segment.`,
    '',
    'Usage: segment-router <command> [options]',
    '',
    'Commands:',
    ...specs.map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    '',
    'Run "segment-router <command> --help" for a command\'s options.',
    'Exit codes: 0 success, 1 the call failed, 2 usage error, 3 refused by the write policy, 4 not connected.',
  ].join('\n');
}

/** The command being run, so a usage error can point at that command's help. */
let current: CommandSpec | undefined;

async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  // `help import` is `import --help`, and `help call SEGMENT_TRACK` is `call SEGMENT_TRACK --help`, as people type them.
  if (name === 'help' && rest.length >= 1 && Object.hasOwn(commands, rest[0]!)) return main([...rest, '--help']);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await topHelp()) + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    // A tool slug typed as a command (`segment-router SEGMENT_TRACK --help`): tools run through call.
    if (/^segment[_-]/i.test(name)) {
      // Named as the registry knows it (a spelling it resolves, else the nearest slug), so the command given works.
      const { loadRegistry } = await import('../inventory.js');
      const found = loadRegistry().resolve(name);
      const slug = found.ok ? found.tool.slug : found.suggestions[0];
      if (!slug) throw new UsageError(`"${name.slice(0, 80)}" is no command and no tool. "segment-router tools" lists the tools; "segment-router search <task>" finds one.`);
      throw new UsageError(`"${name.slice(0, 80)}" is ${found.ok ? 'a tool' : `no command; the nearest tool is ${slug}`}: "segment-router call ${slug} --help" shows its arguments and an example; "segment-router call ${slug} --args '{...}'" runs it.`);
    }
    const near = closest(name, names);
    throw new UsageError(`Unknown command "${name}".${near ? ` Did you mean ${near}?` : ''} Commands: ${names.join(', ')}.`);
  }
  const cmd = await load();
  current = cmd;
  const parsed = parseFlags(rest, { ...cmd.options, help: { type: 'boolean', short: 'h', description: 'Show this help.' } });
  if (parsed.values.help) {
    const topic = cmd.topicHelp && parsed.positionals.length ? await cmd.topicHelp(parsed as { values: Record<string, unknown>; positionals: string[] }) : undefined;
    process.stdout.write((topic ?? helpText(cmd)) + '\n');
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
    const redactor = new Redactor(nameRewrites);
    redactor.add(process.env.SEGMENT_WRITE_KEY);
    redactor.add(process.env.SEGMENT_PUBLIC_API_TOKEN);
    const help = current ? `segment-router ${current.name} --help` : 'segment-router --help';
    process.stderr.write(forTerminal(redactor.text(`segment-router: ${err.message}\n${usage ? `Run "${help}" for usage.\n` : ''}`)));
    // A script that asked for JSON gets JSON on stdout for these too, as for any other failure.
    if (process.argv.slice(2).includes('--json')) process.stdout.write(redactor.text(JSON.stringify({ successful: false, error: { kind: usage ? 'usage' : 'failed', message: err.message, ...(usage ? { hint: `Run "${help}" for usage.` } : {}) } })) + '\n');
    process.exitCode = usage ? EXIT.usage : EXIT.failed;
  },
);
