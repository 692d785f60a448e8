import { writeMessage, type SerialisedMessage } from './message.js';

/**
 * Packs serialised messages into /v1/batch request bodies, counting exact bytes as it goes, so a
 * request is never over Segment's limits and never measured twice. Body layout:
 * {"batch":[m1,m2,...]<,"context":...><,"integrations":...>,"sentAt":"<ISO>"}
 */

const OPEN = '{"batch":[';
/** `,"sentAt":"..."}`: an ISO string from Date is always 24 characters. */
const SENT_AT_BYTES = ',"sentAt":""}'.length + 24;

export interface PackerLimits {
  requestBytes: number;
  messagesPerRequest: number;
}

/** One request's worth of messages, in order. */
export interface Packed {
  messages: SerialisedMessage[];
  /** Bytes of the messages and the commas between them. */
  bytes: number;
}

export class BatchPacker {
  private current: Packed = { messages: [], bytes: 0 };
  private readonly tail: string;
  /** The envelope's fixed cost: opening, `]`, the shared fields, sentAt and the closing brace. */
  private readonly fixedBytes: number;

  constructor(
    private readonly limits: PackerLimits,
    envelope: { context?: unknown; integrations?: unknown } = {},
  ) {
    this.tail =
      ']' +
      (envelope.context !== undefined ? `,"context":${JSON.stringify(envelope.context)}` : '') +
      (envelope.integrations !== undefined ? `,"integrations":${JSON.stringify(envelope.integrations)}` : '');
    this.fixedBytes = OPEN.length + Buffer.byteLength(this.tail) + SENT_AT_BYTES;
  }

  /** The largest message an empty request can hold. */
  get maxMessageBytes(): number {
    return this.limits.requestBytes - this.fixedBytes;
  }

  get size(): number {
    return this.current.messages.length;
  }

  /** Adds a message if it fits; false means "full: take() first". */
  tryAdd(m: SerialisedMessage): boolean {
    const c = this.current;
    const extra = m.bytes + (c.messages.length ? 1 : 0);
    if (c.messages.length >= this.limits.messagesPerRequest) return false;
    if (this.fixedBytes + c.bytes + extra > this.limits.requestBytes) return false;
    c.messages.push(m);
    c.bytes += extra;
    return true;
  }

  /** Hands over what is packed so far (undefined when empty) and starts a new request. */
  take(): Packed | undefined {
    const c = this.current;
    if (!c.messages.length) return undefined;
    this.current = { messages: [], bytes: 0 };
    return c;
  }

  /** Packs a whole list in order. */
  packAll(messages: Iterable<SerialisedMessage>): Packed[] {
    const out: Packed[] = [];
    for (const m of messages) {
      if (this.tryAdd(m)) continue;
      const full = this.take();
      if (full) out.push(full);
      if (!this.tryAdd(m)) throw new Error(`message ${m.index} (${m.bytes} bytes) cannot fit in a request`);
    }
    const last = this.take();
    if (last) out.push(last);
    return out;
  }

  bodyBytes(p: Packed): number {
    return this.fixedBytes + p.bytes;
  }

  /** The request body, assembled from the serialised messages into one buffer of exactly bodyBytes(p). */
  body(p: Packed, prefix: string, now: string, sentAt = new Date().toISOString()): Buffer {
    const size = this.bodyBytes(p);
    const out = Buffer.allocUnsafe(size);
    let at = out.write(OPEN, 0, 'latin1');
    p.messages.forEach((m, i) => {
      if (i) out[at++] = 0x2c; // ,
      at = writeMessage(m, prefix, now, out, at);
    });
    at += out.write(`${this.tail},"sentAt":"${sentAt}"}`, at, 'utf8');
    if (at !== size) throw new Error(`batch body is ${at} bytes, expected ${size}`);
    return out;
  }
}
