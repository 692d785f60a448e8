/**
 * Reads a secret from the terminal without echoing it, so it never shows on screen, in scrollback
 * or in argv. Prompts go to stderr (stdout stays for --json output).
 */

export interface TtyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

// Escape sequences (arrow keys, the markers terminals wrap pasted text in) are not part of a secret.
const ESCAPES = /\x1b\[[0-9;]*[A-Za-z~]/g;

export class PromptCancelled extends Error {
  override name = 'PromptCancelled';
}

export function promptHidden(question: string, input: TtyInput = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return Promise.reject(new Error('no terminal to prompt on'));
  // Echo off before the question shows: a secret typed (or pasted) the moment it appears must not echo.
  input.setRawMode(true);
  output.write(question);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode!(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value.trim());
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk).replace(ESCAPES, '')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new PromptCancelled('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
