import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';

/** A stream that says whether it is a terminal and keeps what was drawn on it. */
export function terminal(isTTY: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  s.isTTY = isTTY;
  s.columns = 160;
  let drawn = '';
  s.on('data', (d: Buffer) => (drawn += d.toString()));
  return { stream: s as unknown as NodeJS.WriteStream, drawn: () => drawn };
}

/** Whether util-linux `script` is here: it runs a command on a real terminal (a pty), so a prompt can be answered and a bar drawn. */
export const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
