import { openSync, closeSync } from 'node:fs';
import { forTerminal } from '../util/printable.js';
import { createInterface } from 'node:readline/promises';
import { ReadStream, WriteStream } from 'node:tty';
import type { Confirmer } from '../policy/write-policy.js';

/** Why the last confirmation could not be asked, so `call` can say what to do instead. */
export const NO_TERMINAL = 'no terminal is attached to ask on';

interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  close(): void;
}

/**
 * Stdin when it is a terminal and not already used for --args, else the controlling terminal
 * (/dev/tty), so `... | segment-router call X --args - --write=ask` can still ask.
 */
function openTerminal(stdinTaken: boolean): Terminal | undefined {
  if (!stdinTaken && process.stdin.isTTY) return { input: process.stdin, output: process.stderr, close: () => process.stdin.pause() };
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined; // no controlling terminal (CI, a service, a detached process)
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      try {
        closeSync(fd);
      } catch {
        /* already closed with the stream */
      }
    },
  };
}

/** Confirms a write with a y/N prompt; anything but "y" or "yes" sends nothing. */
/** Whether a question could be asked now (a terminal on stdin, or a controlling one): tried, then let go. */
export function canAsk(opts: { stdinTaken: boolean }): boolean {
  const term = openTerminal(opts.stdinTaken);
  if (!term) return false;
  if (term.input !== process.stdin) term.close();
  return true;
}

export function terminalConfirmer(opts: { stdinTaken: boolean }): Confirmer {
  return async (call, signal) => {
    const term = openTerminal(opts.stdinTaken);
    if (!term) return { confirmed: false, reason: NO_TERMINAL, unsupported: true };
    const rl = createInterface({ input: term.input, output: term.output, terminal: true });
    try {
      const answer = await rl.question(`${forTerminal(call.summary)}\nSend this to ${forTerminal(call.destination)}? [y/N] `, signal ? { signal } : {});
      const yes = /^\s*y(es)?\s*$/i.test(answer);
      return yes ? { confirmed: true } : { confirmed: false, reason: 'the user answered no' };
    } catch (err) {
      // Ctrl-C at the question (the terminal is raw: readline reads it, no signal comes) is a no.
      if (!ctrlC(err)) throw err;
      term.output.write('\n');
      return { confirmed: false, reason: signal?.aborted ? 'the command was stopped before the user answered' : 'the user pressed Ctrl-C at the question' };
    } finally {
      rl.close();
      term.close();
    }
  };
}

/**
 * Asks a yes/no question on the terminal (stdin), defaulting to no. Returns undefined when stdin is
 * not a terminal: the caller decides what a script gets.
 */
export async function askOnTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(`${question} [y/N] `));
  } catch (err) {
    if (!ctrlC(err)) throw err;
    process.stderr.write('\n');
    return false;
  } finally {
    rl.close();
    process.stdin.pause();
  }
}

/** What readline's question rejects with when Ctrl-C is pressed at it, or its signal aborts. */
const ctrlC = (err: unknown) => (err as { code?: string } | null)?.code === 'ABORT_ERR';
