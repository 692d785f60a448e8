import { randomBytes } from 'node:crypto';

/**
 * Answers too large to send inline, kept whole for `resources/read`: in memory, for the life of the
 * process, bounded by total size and count, oldest dropped first. Nothing is written to disk (an
 * answer is redacted, but it is still workspace data).
 */
export const RESULT_URI_PREFIX = 'segment-router://results/';

/** The most of one tool answer kept whole (past it the executor cuts, and its marker says so). */
export const MAX_KEPT_ANSWER_BYTES = 8 * 1024 * 1024;

interface Entry {
  text: string;
  bytes: number;
  title: string;
}

export class ResultStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly maxBytes = 64 * 1024 * 1024,
    readonly maxEntries = 100,
  ) {}

  /** Keeps `text`; answers its URI, or undefined when it alone is larger than the whole store. */
  put(text: string, title: string): string | undefined {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.maxBytes) return undefined;
    while (this.entries.size && (this.bytes + bytes > this.maxBytes || this.entries.size >= this.maxEntries)) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    // 128 random bits: over HTTP every client reads from this one store, and a link is all it takes.
    const uri = `${RESULT_URI_PREFIX}${randomBytes(16).toString('base64url')}`;
    this.entries.set(uri, { text, bytes, title });
    this.bytes += bytes;
    return uri;
  }

  get(uri: string): Entry | undefined {
    return this.entries.get(uri);
  }

  get size(): number {
    return this.entries.size;
  }
}
