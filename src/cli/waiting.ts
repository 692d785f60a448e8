import { basename, relative } from 'node:path';
import { VERSION } from '../version.js';

/** How this program was started, for examples a person can paste: the installed name, or node and the script. */
export function selfCommand(argv1: string = process.argv[1] ?? '', cwd: string = process.cwd()): string {
  if (basename(argv1) !== 'cli.js') return 'segment-router';
  const rel = relative(cwd, argv1);
  return `node ${rel.startsWith('..') ? argv1 : rel}`;
}

/**
 * What `serve` says on stderr when a person started it on a terminal: it waits for an MCP client on
 * stdin, there is nothing to type, and here is how to try it instead.
 */
export function waitingMessage(self: string, mode: string): string {
  const tries: [string, string][] = [
    ['npm run demo', 'the whole flow against a local sandbox, no account needed (in the repository)'],
    [`${self} search "send an event when a user signs up"`, 'find tools for a task'],
    [`${self} setup claude-desktop`, 'add the router to a client (also claude-code, cursor, vscode)'],
    [`${self} doctor`, 'check the set-up'],
  ];
  const w = Math.max(...tries.map(([c]) => c.length));
  return [
    `segment-router ${VERSION} is running as an MCP server (${mode} tools) on stdin/stdout.`,
    'It waits for an MCP client (Claude Desktop, Claude Code, Cursor, VS Code...) to start it and speak JSON-RPC; there is nothing to type here.',
    '',
    'To try it from this terminal instead:',
    ...tries.map(([c, d]) => `  ${c.padEnd(w)}  ${d}`),
    '',
    'Press Ctrl+C to stop.',
  ].join('\n');
}
