import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from './common.js';

/**
 * Reads tracking messages from a file for `segment-router validate`: NDJSON (one message per line)
 * and JSON arrays. NDJSON streams line by line; a JSON array is parsed whole. A line that is not
 * JSON is reported with its number and never stops the rest. CSV is for `import` to define (its
 * typing of cells is a choice that should live in one reader); until then it is refused clearly.
 */

export interface ReadItem {
  /** 1-based line (NDJSON) or 1-based position in the array. */
  line: number;
  value?: unknown;
  error?: string;
}

export type EventFormat = 'ndjson' | 'json';

export async function detectFormat(path: string, explicit?: string): Promise<EventFormat> {
  if (explicit) {
    const f = explicit.toLowerCase();
    if (f === 'ndjson' || f === 'jsonl') return 'ndjson';
    if (f === 'json') return 'json';
    throw new UsageError(`--format must be ndjson or json, got "${explicit}".`);
  }
  try {
    if (!(await stat(path)).isFile()) throw new UsageError(`${path} is not a file.`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') throw new UsageError('CSV files are not read by validate yet: convert to NDJSON (one JSON message per line) or a JSON array.');
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  // .json or anything else: an array when the first character says so, else one message per line.
  const head = (await readHead(path)).trimStart();
  return head.startsWith('[') ? 'json' : 'ndjson';
}

async function readHead(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 1023, encoding: 'utf8' });
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

export async function* readEvents(path: string, format: EventFormat): AsyncGenerator<ReadItem> {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new UsageError(`${path} is not a JSON array of messages: ${(err as Error).message}. For one message per line, use NDJSON.`);
    }
    if (!Array.isArray(parsed)) throw new UsageError(`${path} holds JSON but not an array: put the messages in [...], or one per line (NDJSON).`);
    for (let i = 0; i < parsed.length; i++) yield { line: i + 1, value: parsed[i] };
    return;
  }
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const text = raw.trim();
    if (!text) continue;
    try {
      yield { line: n, value: JSON.parse(text) };
    } catch (err) {
      yield { line: n, error: `not JSON (${(err as Error).message})` };
    }
  }
}
