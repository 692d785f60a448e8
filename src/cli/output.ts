import type { App } from '../app.js';
import type { ExecutionResult } from '../execution/executor.js';
import { EXIT } from './common.js';
import { forTerminal } from '../util/printable.js';

/** Everything a command prints goes through here, so nothing reaches the terminal unredacted. */
export function printJson(app: App, value: unknown): void {
  process.stdout.write(app.redactor.text(JSON.stringify(value)) + '\n');
}

export function printText(app: App, text: string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(forTerminal(app.redactor.text(text.endsWith('\n') ? text : text + '\n')));
}

/** Once what was written to the streams has been handed to the system (a pipe a reader is slow to empty holds it in Node until then). */
export function flushed(...streams: NodeJS.WriteStream[]): Promise<void> {
  return Promise.all(streams.map((s) => new Promise<void>((resolve) => (s.writableLength ? s.write('', () => resolve()) : resolve())))).then(() => undefined);
}

/**
 * The documented exit codes, read from the executor's error kind. A slug that names no tool is a
 * mistake on the command line, so it is a usage error like a bad flag.
 */
export function exitCodeFor(result: ExecutionResult): number {
  if (result.successful) return EXIT.ok;
  switch (result.error?.kind) {
    case 'policy':
      return EXIT.policy;
    case 'not_connected':
    case 'auth': // the credential refused (401, 403): connect it again
      return EXIT.notConnected;
    case 'usage':
    case 'unknown_tool':
      return EXIT.usage;
    default:
      return EXIT.failed;
  }
}

/** Pretty JSON indented under a heading, for the text forms (controls and direction marks made visible). */
export function indentJson(value: unknown, pad = '  '): string {
  return forTerminal(JSON.stringify(value, null, 2)).split('\n').map((l) => pad + l).join('\n');
}
