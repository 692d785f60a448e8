import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from '../util/once.js';

/**
 * Requests people and agents wrote for Segment tasks, each with the tools that serve it (none: no tool
 * does), gathered from test/search/ by scripts/build-search-examples.mjs. A request close to one likely
 * wants the same tools (engine.ts); closer to one no tool serves, it is likely not Segment's (decide.ts).
 */
export interface LabelledRequest {
  request: string;
  /** Tools that serve it; empty for a request no tool serves. */
  tools: string[];
}

export const EXAMPLES_FILE = new URL('../../data/search/examples.json', import.meta.url);

/** The committed labelled requests; none when the file is missing (search then ranks on the tools' words alone). */
export const labelledRequests = once((): LabelledRequest[] => {
  try {
    return (JSON.parse(readFileSync(EXAMPLES_FILE, 'utf8')) as { requests: LabelledRequest[] }).requests;
  } catch {
    return [];
  }
});

/** Where the build records the file's digest, its size and when it was taken (recordDigest). */
const RECORD = new URL('./examples-digest.json', import.meta.url);

/**
 * The file's digest ('' when missing), for the index's fingerprint. While it has the size the build
 * recorded and is no newer, the record answers (loading reads no byte of it); else it is hashed again.
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
