/**
 * Memory for the lines read on stdio, kept and used again. A large call (a 25,000-event SEGMENT_BATCH
 * is a 5.5 MB line) is read into a buffer its call keeps (its lists are sent from the client's bytes:
 * util/raw-json.ts), so each such call took fresh memory twice (the chunks as they came, then one
 * buffer for the line) and the process grew by ~12 MB a call until a full collection. Fresh pages are
 * dear on a virtual machine: ~15 us each to touch on the 2-core bench box, 20 ms for one 5.5 MB line.
 * Here a line is copied into a kept buffer as it arrives (each chunk can go at once), and the buffer
 * is lent to the request the line carries until its answer is sent (guarded-stdio.ts).
 */

/**
 * The memory of `b` under a new buffer, `b` detached (moving an ArrayBuffer copies nothing); undefined
 * when `b` cannot be moved (a view of part of its memory, or memory that may not move): it is not kept.
 */
function reown(b: Buffer): Buffer | undefined {
  if (b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) return undefined;
  try {
    return Buffer.from(structuredClone(b.buffer, { transfer: [b.buffer as ArrayBuffer] }) as ArrayBuffer);
  } catch {
    return undefined;
  }
}

/** Buffers kept between lines, and the memory they may hold together. */
const KEEP = 2;
const KEEP_BYTES = 32 * 1024 * 1024;
/** A line buffer's first size; most lines are small and fit. */
export const FIRST_BYTES = 64 * 1024;

export class LineBuffers {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /** A buffer of at least `bytes` bytes: the largest kept one when it is large enough, else a new one. */
  take(bytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) if (this.free[i]!.length >= bytes && (best < 0 || this.free[i]!.length > this.free[best]!.length)) best = i;
    if (best < 0) return Buffer.allocUnsafeSlow(Math.max(bytes, FIRST_BYTES));
    const [buffer] = this.free.splice(best, 1);
    this.freeBytes -= buffer!.length;
    return buffer!;
  }

  /**
   * A buffer nothing should read any more. Its memory is kept under a new buffer (unless the pool is
   * full: the smallest then goes); the one given is detached, so a view of it read late reads nothing
   * rather than another line's bytes.
   */
  give(given: Buffer): void {
    const buffer = reown(given);
    if (!buffer) return;
    this.free.push(buffer);
    this.freeBytes += buffer.length;
    this.free.sort((a, b) => b.length - a.length);
    while (this.free.length > KEEP || this.freeBytes > KEEP_BYTES) this.freeBytes -= this.free.pop()!.length;
  }

  /** Bytes kept (tests). */
  get kept(): number {
    return this.freeBytes;
  }
}
