import { createInterface } from 'node:readline/promises';
import { parseWritePolicy, ConfigError, type WritePolicy } from '../config/runtime.js';
import { CLIENT_IDS, CLIENTS, pathContext, type ClientId, type Scope } from '../setup/clients.js';
import { applySetup, planSetup, SetupError, type SetupPlan, type SetupResult } from '../setup/setup.js';
import { EXIT, listFlag, UsageError, type CommandSpec } from './common.js';
import { closest } from './flags.js';
import { checkScope } from './scope.js';

/** Asks for the write policy on a terminal; off a terminal the person must pass --write. */
async function askWrite(): Promise<WritePolicy> {
  if (!process.stdin.isTTY) throw new UsageError('Choose what the assistant may do: --write=deny (read only), --write=ask (confirm each write) or --write=allow.');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    process.stderr.write(
      [
        'What may the assistant do in Segment?',
        '  deny   read only: every write is refused (the safest start)',
        '  ask    confirm each write in the client before it is sent (the client must support MCP elicitation)',
        '  allow  send writes without asking',
        '',
      ].join('\n'),
    );
    for (;;) {
      const answer = (await rl.question('Write policy [deny]: ')).trim().toLowerCase() || 'deny';
      if (answer === 'deny' || answer === 'ask' || answer === 'allow') return answer;
      process.stderr.write('Please answer deny, ask or allow.\n');
    }
  } finally {
    rl.close();
    process.stdin.pause();
  }
}

function render(plan: SetupPlan, result: SetupResult): string {
  const spec = CLIENTS[plan.client];
  const head = result.unchanged
    ? `${spec.label} already has this "${plan.serverName}" entry in ${plan.path}; nothing changed.`
    : `${result.replaced ? 'Replaced' : 'Added'} "${plan.serverName}" in ${spec.label}'s configuration: ${plan.path}${result.created ? ' (new file)' : ''}`;
  const lines = [head, `  command  ${plan.entry.command}`, `  args     ${plan.entry.args.join(' ')}`];
  if (plan.entry.env) lines.push(`  env      ${Object.entries(plan.entry.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (result.backup) lines.push(`  backup   ${result.backup}`);
  lines.push('', 'No secret is in the file: the router uses the connection stored with "segment-router connections add".');
  for (const w of plan.warnings) lines.push(`Note: ${w}`);
  lines.push(`Next: ${spec.then}`, '"segment-router doctor" checks the whole set-up.');
  return lines.join('\n');
}

export const setupCommand: CommandSpec = {
  name: 'setup',
  summary: "Add the router to an MCP client's configuration (claude-desktop, claude-code, cursor, vscode).",
  exitCodes: '0 success, 1 the file could not be written, 2 usage error',
  usage: `segment-router setup ${CLIENT_IDS.join('|')} --write=deny|ask|allow [--allow-destructive] [--toolsets a,b] [--scope user|project] [--connection NAME] [--server-name NAME] [--print] [--json]`,
  options: {
    write: { type: 'string', description: 'What the assistant may do: deny (read only), ask (confirm each write) or allow. Asked on a terminal when absent.' },
    'allow-destructive': { type: 'boolean', description: 'Also permit tools that delete or revoke (still subject to --write).' },
    toolsets: { type: 'string', description: 'Only these toolsets, comma-separated ("segment-router tools" lists them).' },
    scope: { type: 'string', description: 'user (default): for you, everywhere. project: the file in the current folder (Claude Code .mcp.json, .cursor/, .vscode/).' },
    connection: { type: 'string', description: 'A stored connection other than "default" (sets SEGMENT_ROUTER_CONNECTION in the entry).' },
    'server-name': { type: 'string', description: 'The entry\'s name in the client (default "segment").' },
    print: { type: 'boolean', description: 'Only print the snippet to add by hand; change no file.' },
    json: { type: 'boolean', description: 'Print the result as JSON.' },
  },
  async run({ values, positionals }) {
    const [client, ...extra] = positionals;
    if (!client || extra.length) throw new UsageError(`setup takes one client: ${CLIENT_IDS.join(', ')}. Example: segment-router setup claude-desktop --write=ask`);
    if (!(CLIENT_IDS as string[]).includes(client)) {
      const near = closest(client, CLIENT_IDS);
      throw new UsageError(`Unknown client "${client}".${near ? ` Did you mean ${near}?` : ''} Clients: ${CLIENT_IDS.join(', ')}.`);
    }
    const id = client as ClientId;
    const scope = (values.scope as string | undefined) ?? 'user';
    if (scope !== 'user' && scope !== 'project') throw new UsageError(`--scope must be user or project, got "${scope}".`);
    const toolsets = listFlag(values.toolsets);
    checkScope(toolsets, undefined);
    const serverName = values['server-name'] as string | undefined;
    if (serverName !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(serverName)) throw new UsageError('--server-name takes letters, digits, "-" and "_" (at most 64).');
    let write: WritePolicy;
    try {
      write = values.write !== undefined ? parseWritePolicy(values.write as string) : values.print ? 'deny' : await askWrite();
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    try {
      const plan = planSetup({
        client: id,
        scope: scope as Scope,
        write,
        allowDestructive: values['allow-destructive'] === true,
        toolsets,
        serverName,
        connection: values.connection as string | undefined,
        paths: pathContext(),
      });
      if (values.print) {
        process.stdout.write(JSON.stringify(plan.snippet, null, 2) + '\n');
        return EXIT.ok;
      }
      const result = applySetup(plan);
      process.stdout.write((values.json ? JSON.stringify({ ...result, client: id, scope, server_name: plan.serverName, entry: plan.entry, warnings: plan.warnings }) : render(plan, result)) + '\n');
      return EXIT.ok;
    } catch (err) {
      if (err instanceof SetupError) {
        process.stderr.write(`segment-router: ${err.message}\n`);
        return err.usage ? EXIT.usage : EXIT.failed;
      }
      throw err;
    }
  },
};
