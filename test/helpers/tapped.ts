import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, LoggingMessageNotificationSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './router.js';

/**
 * A stdio client transport that keeps every byte the router writes (stdout and stderr), so a test
 * can search all of it for secrets, not just the parsed results.
 */
export class TappedTransport implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onerror?: (e: Error) => void;
  onclose?: () => void;
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private pending = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stdout += text;
      this.pending += text;
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        try {
          this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(line)));
        } catch (e) {
          this.onerror?.(e as Error);
        }
      }
    });
    this.child.once('exit', () => this.onclose?.());
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    this.child.stdin!.write(JSON.stringify(message) + '\n');
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface TappedRouter {
  client: Client;
  transport: TappedTransport;
  /** MCP log notifications the server sent. */
  logs: string[];
  close(): Promise<void>;
}

export async function startTapped(args: string[], env: Record<string, string>): Promise<TappedRouter> {
  const transport = new TappedTransport(args, env);
  const client = new Client({ name: 'reliability-tests', version: '1.0.0' });
  const logs: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(JSON.stringify(n.params)));
  await client.connect(transport);
  return { client, transport, logs, close: () => client.close() };
}
