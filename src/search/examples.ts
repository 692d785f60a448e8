import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/**
 * Requests people and agents wrote for Segment tasks, each labelled with the tools that serve it, and
 * requests no tool serves (data/search/examples.json, gathered from the labelled sets in test/search/
 * by scripts/build-search-examples.mjs). Search learns from them twice: a new request close to a
 * labelled one likely wants the same tools (engine.ts), and one closer to a request no tool serves
 * than to any that some tool serves is likely not Segment's (decide.ts).
 */
export interface LabelledRequest {
  request: string;
  /** Tools that serve it; empty for a request no tool serves. */
  tools: string[];
}

export const EXAMPLES_FILE = new URL('../../data/search/examples.json', import.meta.url);

let loaded: LabelledRequest[] | undefined;

/** The committed labelled requests; none when the file is missing (search then ranks on the tools' words alone). */
export function labelledRequests(): LabelledRequest[] {
  if (loaded) return loaded;
  try {
    loaded = (JSON.parse(readFileSync(EXAMPLES_FILE, 'utf8')) as { requests: LabelledRequest[] }).requests;
  } catch {
    loaded = [];
  }
  return loaded;
}

/** Where the build records the file's digest, its size and when it was taken (recordDigest). */
const RECORD = new URL('./examples-digest.json', import.meta.url);

/**
 * The file as the search index's fingerprint knows it: its digest ('' when it is missing). While it is
 * the size the build recorded and no newer, the record answers and loading the index reads no byte of
 * it; an edited or checked-out file is hashed again, so an index made from other requests is never loaded.
 */
export function committedDigest(file: URL | string = EXAMPLES_FILE, record: URL | string = RECORD): string {
  try {
    const { size, mtimeMs } = statSync(file);
    const r = existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as { digest: string; size: number; at: number }) : undefined;
    return r && r.size === size && mtimeMs <= r.at ? r.digest : createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return '';
  }
}

/** At build time: the file's digest for committedDigest, noted with a time taken before the file is read. */
export function recordDigest(file: URL | string = EXAMPLES_FILE, record: URL | string = RECORD): void {
  const at = Date.now();
  const bytes = readFileSync(file);
  writeFileSync(record, JSON.stringify({ digest: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, at }));
}
