import { parseArgs } from 'node:util';
import { UsageError, type OptionSpec } from './common.js';
import { closest } from '../util/edit-distance.js';

export { closest };

/**
 * parseArgs with errors for people: an unknown or misspelled flag gets "did you mean --write?"
 * instead of Node's parser message, a flag missing its value says what value it takes.
 */
export function parseFlags(args: string[], options: Record<string, OptionSpec>): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code?.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new UsageError(explain(code, (err as Error).message, options));
  }
}

function explain(code: string, message: string, options: Record<string, OptionSpec>): string {
  // Node quotes the flag as it was typed: '--wirte', '-x', or '--write <value>'.
  const typed = message.match(/'(-{1,2}[^' =]+)/)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const word = typed.replace(/^-+/, '');
    // `--allow`, `--ask`, `--deny`: a write policy typed as a flag of its own.
    if ('write' in options && /^(allow|ask|deny)$/i.test(word)) return `Unknown option ${typed}. Did you mean --write=${word.toLowerCase()}?`;
    const near = closest(word, Object.keys(options));
    // Only a flag-like word is echoed: something pasted by mistake may be a secret.
    const shown = /^--?[A-Za-z][A-Za-z-]{0,30}$/.test(typed) ? typed : '(not shown: it does not look like an option name)';
    return `Unknown option ${shown}. ${near ? `Did you mean --${near}?` : `Options here: ${Object.keys(options).map((o) => `--${o}`).join(', ')}.`}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = typed.replace(/^-+/, '');
    const long = Object.entries(options).find(([k, o]) => k === name || o.short === name)?.[0] ?? name;
    const spec = options[long];
    if (spec?.type === 'string') return `--${long} needs a value: --${long}=<value>. ${spec.description}`;
    return `--${long} is a switch and takes no value: write --${long} alone.`;
  }
  return message;
}

