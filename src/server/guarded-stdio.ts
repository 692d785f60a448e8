import { isUtf8 } from 'node:buffer';
import { MAX_MESSAGE_BYTES } from './limits.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JsonLimitError, parseJsonText } from '../util/json-text.js';
import { registerRawLists } from '../util/raw-json.js';
import { parseDeferring } from '../util/deferred-list.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineBuffers } from './line-buffers.js';
import { RequestIds, reusedIdMessage } from './request-ids.js';

/**
 * MCP over stdio, like the SDK's transport, but a bad client cannot take the server down: the SDK's
 * transport closes itself (and so the server) on a message over its 10 MB buffer, and answers nothing
 * to a line that is not JSON-RPC. Here a bad line is answered with a JSON-RPC error when its id can be
 * found, logged, and the server keeps reading.
 */
/** Lines shorter than this carry no list worth sending from its bytes. */
const RAW_LIST_LINE_BYTES = 64 * 1024;

export class GuardedStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  /**
   * The line so far, copied as it arrives into a buffer of its own (line-buffers.ts) and decoded once
   * at its end. The bytes are kept beside what is parsed from them: a large list (a batch's messages)
   * is then sent from the bytes the client wrote (util/raw-json.ts).
   */
  private line?: Buffer;
  private buffered = 0;
  private readonly buffers = new LineBuffers();
  /** Line buffers lent to the requests they carried, by request id, until each request is answered. */
  private readonly lent = new Map<string, Buffer>();
  /** Ids of the client's requests still running: a request reusing one is refused. */
  private readonly ids = new RequestIds();
  /** While skipping an oversized line: its first bytes, its last bytes, and its size so far. */
  private skip?: { head: string; tail: Buffer; bytes: number };

  constructor(
    private readonly opts: {
      stdin?: NodeJS.ReadableStream;
      stdout?: NodeJS.WritableStream;
      maxMessageBytes?: number;
      /** Where refused lines and a closed stdout are reported (the logger, on stderr). */
      warn?: (message: string) => void;
    } = {},
  ) {}

  private get stdin() {
    return this.opts.stdin ?? process.stdin;
  }

  private get stdout() {
    return this.opts.stdout ?? process.stdout;
  }

  private readonly onData = (chunk: Buffer) => {
    try {
      this.consume(chunk);
    } catch (err) {
      this.onerror?.(err as Error);
    }
  };

  private readonly onStreamError = (err: Error) => this.onerror?.(err);

  /** The client stopped reading (EPIPE): nobody is left to answer, so close like a hang-up instead of crashing. */
  private readonly onOutputError = (err: NodeJS.ErrnoException) => {
    this.opts.warn?.(`stdout closed by the client (${err.code ?? err.message}); shutting down`);
    void this.close();
  };

  private closed = false;

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
    this.stdout.on('error', this.onOutputError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    this.line = undefined;
    this.buffered = 0;
    this.lent.clear();
    this.skip = undefined;
    this.onclose?.();
  }

  /** Resolved once no request is waiting for its answer. */
  private allAnswered?: () => void;

  /** Resolves when every request handed on has been answered, or after `ms`, whichever comes first. */
  whenAnswered(ms: number): Promise<void> {
    if (!this.ids.pending || this.closed) return Promise.resolve();
    return new Promise((done) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        done();
      }
      this.allAnswered = finish;
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.ids.answered(message);
    if (this.allAnswered && !this.ids.pending) {
      // Resolved once this answer is written: the process may exit right after.
      const done = this.allAnswered;
      this.allAnswered = undefined;
      return this.sendNow(message).then(done, done);
    }
    return this.sendNow(message);
  }

  private sendNow(message: JSONRPCMessage): Promise<void> {
    // The server's answer ends its request: nothing reads the line it came on any more.
    if ('id' in message && !('method' in message)) {
      const key = idKey(message.id);
      const buffer = this.lent.get(key);
      if (buffer) {
        this.lent.delete(key);
        this.buffers.give(buffer);
      }
    }
    return this.write(message);
  }

  /** Writes one message; the transport's own refusals come this way, ending no loan (they answer no request it handed on). */
  private write(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      // Resolved once the line is handed to the system (the write's callback), not when Node has only
      // queued it: an answer then counts as delivered (meta/answer-delivery.ts), and a process killed with
      // its answer still in its own buffer never sent it (a client slow to read a pipe). A failing stream
      // calls back too, with its error (the error handler above closes the transport).
      this.stdout.write(JSON.stringify(message) + '\n', () => resolve());
    });
  }

  private consume(chunk: Buffer): void {
    const max = this.opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (this.skip) {
        this.skip.bytes += piece.length;
        this.skip.tail = Buffer.concat([this.skip.tail, piece]).subarray(-512);
      } else if (this.buffered + piece.length > max) {
        const head = Buffer.concat([this.line?.subarray(0, this.buffered) ?? EMPTY, piece], Math.min(512, this.buffered + piece.length)).toString('utf8');
        this.skip = { head, tail: piece.subarray(-512), bytes: this.buffered + piece.length };
        this.buffered = 0;
      } else if (piece.length) this.append(piece, max);
      if (nl === -1) return;
      if (this.skip) {
        const { head, tail, bytes } = this.skip;
        this.skip = undefined;
        this.refuse(findId(head, tail.toString('utf8')), -32600, `Message of ${bytes} bytes is over this server's limit of ${max} bytes; nothing was run. Send smaller calls.`);
      } else {
        const line = this.line;
        const bytes = line ? line.subarray(0, this.buffered) : EMPTY;
        this.buffered = 0;
        // A line whose bytes its message keeps takes its buffer along (lent or left); the next line gets another.
        if (this.handleLine(bytes, line)) this.line = undefined;
      }
      start = nl + 1;
    }
  }

  /** Puts a piece of the line after what was read of it, in a larger buffer when it does not fit. */
  private append(piece: Buffer, max: number): void {
    const need = this.buffered + piece.length;
    if (!this.line || need > this.line.length) {
      const bigger = this.buffers.take(this.line ? Math.max(need, Math.min(this.line.length * 2, max)) : need);
      if (this.line) {
        this.line.copy(bigger, 0, 0, this.buffered);
        this.buffers.give(this.line);
      }
      this.line = bigger;
    }
    piece.copy(this.line, this.buffered);
    this.buffered = need;
  }

  /**
   * Parses a line and hands its message on. Answers whether the message keeps the line's bytes (and
   * so `buffer`, which holds them): lent to the request until it is answered, or left to whatever holds
   * the message (lendTo). False: the buffer can be written over.
   */
  private handleLine(raw: Buffer, buffer: Buffer | undefined): boolean {
    // Not a regular expression over what can be a 15 MB line: only its last byte matters.
    const bytes = raw[raw.length - 1] === 0x0d ? raw.subarray(0, -1) : raw;
    // Read as text, bytes that are not UTF-8 would become U+FFFD and reach Segment changed.
    if (!isUtf8(bytes)) {
      const text = bytes.toString('utf8');
      this.refuse(findId(text.slice(0, 512), text.slice(-512)), -32700, 'Parse error: the line is not valid UTF-8. JSON-RPC messages are UTF-8 text; nothing was run. Send the values as UTF-8 (or escape them as \\uXXXX).');
      return false;
    }
    // A large line's plain lists (a batch's messages) are parsed when read, one message at a time.
    let value = bytes.length >= RAW_LIST_LINE_BYTES ? parseDeferring(bytes) : undefined;
    if (value === undefined) {
      const line = bytes.toString('utf8');
      if (!line.trim()) return false;
      try {
        value = parseJsonText(line);
      } catch (err) {
        this.refuse(findId(line.slice(0, 512), line.slice(-512)), -32700, err instanceof JsonLimitError ? `Parse error: the line is ${err.message}.` : 'Parse error: the line is not JSON. Each message must be one line of JSON-RPC 2.0.');
        return false;
      }
      if (bytes.length >= RAW_LIST_LINE_BYTES) registerRawLists(bytes, value);
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = value && typeof value === 'object' && !Array.isArray(value) ? (value as { id?: unknown }).id : undefined;
      this.refuse(typeof id === 'string' || typeof id === 'number' ? id : undefined, -32600, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response.');
      return false;
    }
    if (!this.ids.admit(parsed.data)) {
      const id = (parsed.data as { id: string | number }).id;
      this.refuse(id, -32600, reusedIdMessage(id));
      return false;
    }
    // A cancelled request is never answered: its loan ends here, its bytes left to whatever still reads them.
    const cancelled = cancelledId(parsed.data);
    if (cancelled !== undefined) this.lent.delete(idKey(cancelled));
    const kept = bytes.length >= RAW_LIST_LINE_BYTES;
    if (kept) {
      const key = lendTo(parsed.data, this.lent);
      // Lent before the message is handed on, so no answer can come before the loan.
      if (key !== true && buffer) this.lent.set(key, buffer);
    }
    this.onmessage?.(parsed.data);
    return kept;
  }

  /** Answers a refused line when its id is known (so the client does not wait forever) and reports it. */
  private refuse(id: string | number | undefined, code: number, message: string): void {
    this.opts.warn?.(`refused a message from the client${id !== undefined ? ` (id ${JSON.stringify(id)})` : ''}: ${message}`);
    void this.write({ jsonrpc: '2.0', ...(id !== undefined ? { id } : {}), error: { code, message } } as JSONRPCMessage);
  }
}

const EMPTY = Buffer.alloc(0);

const idKey = (id: unknown): string => `${typeof id}:${String(id)}`;

/**
 * Who keeps a large line's bytes: the request it carried, until its answer (its key); or, when that
 * answer may not end the work (a task runs on after it), when the message has no answer (a
 * notification), or when another request has the same id (that one's loan ends too), whatever holds
 * the message (true).
 */
function lendTo(message: JSONRPCMessage, lent: Map<string, Buffer>): string | true {
  if (!('id' in message) || !('method' in message)) return true;
  if ((message.params as { task?: unknown } | undefined)?.task !== undefined) return true;
  const key = idKey(message.id);
  if (!lent.has(key)) return key;
  // Two requests with one id: an answer to it could be either's, so neither buffer is read into again.
  lent.delete(key);
  return true;
}

/** The request a `notifications/cancelled` names. */
function cancelledId(message: JSONRPCMessage): unknown {
  if (!('method' in message) || message.method !== 'notifications/cancelled') return undefined;
  return (message.params as { requestId?: unknown } | undefined)?.requestId;
}

/** The request id of a line that cannot be parsed whole: near its start, or (as the SDK writes it) at its end. */
function findId(head: string, tail: string): string | number | undefined {
  const at = head.match(/^\s*\{\s*"jsonrpc"\s*:\s*"2\.0"\s*,\s*"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")/) ?? tail.match(/"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")\s*\}\s*$/);
  if (!at) return undefined;
  try {
    return JSON.parse(at[1]!) as string | number;
  } catch {
    return undefined;
  }
}
