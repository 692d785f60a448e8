import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FORMATS, InputError, type EventFormat } from './source.js';
import { parseHeader } from './csv-cells.js';

/**
 * Which reader a file needs, and a look at its first bytes to refuse at once a file that is not what
 * it says it is (a CSV called .ndjson, a binary file, a JSON object where an array was expected), so
 * nothing is sent from it. Bad lines further down are the readers' business: they become rejects.
 */

/** A file that cannot be read is a mistake on the command line, not in the file. */
export class FileAccessError extends InputError {
  override name = 'FileAccessError';
}

const HEAD_BYTES = 64 * 1024;

export async function headOf(path: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Checks the file can be read; its size. */
export async function readable(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new FileAccessError(`${path} is not a file.`);
    await (await open(path, 'r')).close();
    return st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    throw new FileAccessError(`Cannot read ${path}: ${why}.`);
  }
}

export function parseFormat(explicit: string): EventFormat {
  const f = explicit.toLowerCase();
  if (f === 'jsonl') return 'ndjson';
  if ((FORMATS as string[]).includes(f)) return f as EventFormat;
  throw new InputError(`--format must be ndjson, json or csv, got "${explicit}".`);
}

/** The format: as given, else by extension, else by the first character. Then the head must agree. */
export async function detectFormat(path: string, explicit?: string): Promise<EventFormat> {
  const given = explicit ? parseFormat(explicit) : undefined;
  await readable(path);
  const head = await headOf(path);
  const ext = extname(path).toLowerCase();
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart().charAt(0);
  // An empty .json is taken for the array it will hold: read as NDJSON, its first run would bind the file
  // to that format, and every run after the array arrived would be refused.
  const format = given ?? (ext === '.csv' ? 'csv' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : first === '[' || (ext === '.json' && !first) ? 'json' : 'ndjson');
  checkHead(path, format, head, text, first, given !== undefined);
  return format;
}

const SPREAD_OBJECT = 'It looks like one JSON object: import takes an array of messages (--format json) or one message per line. If the object holds the messages in a list (such as "batch"), save that list as the file (for example: jq \'.batch\' FILE > events.json). Nothing was sent.';

/**
 * Whether some line of the head (of the first 20 that are not blank) is a whole JSON object, as NDJSON
 * lines are; true when the head holds no complete line (a first line longer than the head) to tell by.
 */
function wholeObjectLines(text: string, head: Buffer): boolean {
  const lines = text.split('\n');
  // The head's last line may be cut short: only lines the head holds whole.
  if (!text.endsWith('\n') && head.length === HEAD_BYTES) lines.pop();
  const sample = lines.map((l) => l.trim()).filter(Boolean).slice(0, 20);
  return !sample.length || sample.some((l) => l.startsWith('{') && l.endsWith('}'));
}

function checkHead(path: string, format: EventFormat, head: Buffer, text: string, first: string, given: boolean): void {
  const claimed = given ? `--format ${format}` : `its name (${extname(path) || 'no extension'})`;
  if (head.includes(0)) throw new InputError(`${path} is not a text file (it holds NUL bytes): import reads NDJSON, JSON arrays and CSV. Nothing was sent.`);
  if (!text.trim()) return; // an empty file: nothing to read, nothing to refuse
  if (format === 'json') {
    if (first !== '[') throw new InputError(`${path} is not a JSON array (it does not start with "["), as ${claimed} says. ${first === '{' ? (wholeObjectLines(text, head) ? 'It looks like one message per line: use --format ndjson. Nothing was sent.' : SPREAD_OBJECT) : 'Nothing was sent.'}`);
    return;
  }
  if (format === 'csv') {
    if (first === '{' || first === '[') throw new InputError(`${path} looks like JSON, not CSV as ${claimed} says: use --format ${first === '[' ? 'json' : 'ndjson'}. Nothing was sent.`);
    const nl = text.indexOf('\n');
    parseHeader(path, (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, ''));
    return;
  }
  // NDJSON: one JSON object per line. An array, or lines of which none is JSON, is another format.
  if (first === '[') throw new InputError(`${path} starts with "[": it looks like a JSON array, not one message per line as ${claimed} says. Use --format json. Nothing was sent.`);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  // The last line of the head may be cut short; judge by the complete ones (or the only one).
  const complete = lines.length > 1 && !text.endsWith('\n') && head.length === HEAD_BYTES ? lines.slice(0, -1) : lines;
  const sample = complete.slice(0, 20);
  const objects = sample.filter((l) => l.startsWith('{')).length;
  // Pretty-printed JSON: lines that open an object and none that is one whole ({ ... }).
  if (objects > 0 && !wholeObjectLines(text, head)) throw new InputError(`${path} is not NDJSON (one JSON message per line) as ${claimed} says: its lines are pieces of JSON written over several lines. ${SPREAD_OBJECT}`);
  if (objects === 0) {
    const csv = /^[A-Za-z_.:]+(,[A-Za-z_.:]+)+$/.test(sample[0] ?? '');
    throw new InputError(`${path} is not NDJSON (one JSON message per line) as ${claimed} says: ${csv ? 'its first line looks like a CSV header; use --format csv' : 'no line of its start is a JSON object'}. Nothing was sent.`);
  }
}
