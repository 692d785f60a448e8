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
