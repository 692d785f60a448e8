import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

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

/**
 * The committed labelled requests as the search index's fingerprint knows them: a digest of the file,
 * so loading the index built from them never parses them ('' when the file is missing).
 */
export function committedDigest(): string {
  try {
    return createHash('sha256').update(readFileSync(EXAMPLES_FILE)).digest('hex');
  } catch {
    return '';
  }
}
