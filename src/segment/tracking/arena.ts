import type { Hash } from 'node:crypto';

/** Where one message's JSON lies in an arena: `block[start, end)`. */
export interface Span {
  block: Buffer;
  start: number;
  end: number;
}

/** Large enough that a 25,000-message call needs a handful of blocks; small enough to waste little. */
const BLOCK_BYTES = 1 << 20;

/**
 * The messages of one call, encoded to UTF-8 once, one after the other in a few large buffers. The
 * journal's fingerprint hashes these bytes as they lie (a few native calls, not one per message) and
 * request bodies copy them, so no message is encoded twice and no call leaves 25,000 small buffers
 * for the garbage collector.
 */
export class ByteArena {
  private readonly sealed: Buffer[] = [];
  private block = Buffer.allocUnsafe(0);
  private used = 0;

  /** Appends `text` (whose UTF-8 size is `bytes`), then `separator` if given; answers where the text lies. */
  add(text: string, bytes: number, separator?: number): Span {
    const need = bytes + (separator === undefined ? 0 : 1);
    if (this.used + need > this.block.length) {
      this.seal();
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, need));
    }
    const start = this.used;
    const end = start + this.block.write(text, start, bytes, 'utf8');
    if (separator !== undefined) this.block[end] = separator;
    this.used = end + (separator === undefined ? 0 : 1);
    return { block: this.block, start, end };
  }

  /** Feeds every byte added so far, in order, to `hash`. */
  hashInto(hash: Hash): Hash {
    for (const b of this.sealed) hash.update(b);
    return hash.update(this.block.subarray(0, this.used));
  }

  private seal(): void {
    if (this.used) this.sealed.push(this.block.subarray(0, this.used));
    this.used = 0;
  }
}
