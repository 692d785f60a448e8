import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './common.js';

const MIN_LENGTH = 16;

/**
 * The bearer token for the HTTP transport, from a file (never argv: argv shows in `ps`).
 * Returns a warning when the file can be read by others.
 */
export function readAuthTokenFile(path: string): { token: string; warning?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--auth-token-file: cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  const token = text.trim();
  if (token.length < MIN_LENGTH || /\s/.test(token)) {
    throw new UsageError(`--auth-token-file: the token must be one line of at least ${MIN_LENGTH} characters without spaces (e.g. from: openssl rand -hex 32 > ${path}).`);
  }
  const mode = statSync(path).mode & 0o777;
  const warning = mode & 0o077 ? `${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 it.` : undefined;
  return { token, ...(warning ? { warning } : {}) };
}
