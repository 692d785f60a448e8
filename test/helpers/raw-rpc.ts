import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './router.js';

/**
 * The router spoken to as raw bytes on stdio, to send what no SDK client would: broken JSON,
 * wrong shapes, oversized lines, and to hang up at awkward moments.
 */
export class RawRouter {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly lines: any[] = [];
  readonly badLines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private pending = '';

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, 'serve', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.pending += d.toString();
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.badLines.push(line);
        }
      }
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin!.write(data, (err) => (err ? reject(err) : resolve())));
  }

  send(message: unknown): Promise<void> {
    return this.write(JSON.stringify(message) + '\n');
  }

  /** The response to request `id`, waiting at most `ms`. */
  async response(id: string | number, ms = 10_000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find((l) => l.id === id && ('result' in l || 'error' in l));
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no response to ${id} within ${ms} ms; stderr: ${this.stderr.slice(-500)}`);
      if (this.child.exitCode !== null) throw new Error(`router exited (${this.child.exitCode}) before answering ${id}; stderr: ${this.stderr.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async request(id: number | string, method: string, params?: unknown, ms?: number): Promise<any> {
    await this.send({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
    return this.response(id, ms);
  }

  async initialize(): Promise<void> {
    const r = await this.request('init', 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
    if (!r.result) throw new Error(`initialize failed: ${JSON.stringify(r)}`);
    await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** EXECUTE_TOOL and its parsed structured answer. */
  async execute(id: number | string, slug: string, args: unknown, ms?: number): Promise<any> {
    const r = await this.request(id, 'tools/call', { name: 'EXECUTE_TOOL', arguments: { tool_slug: slug, arguments: args } }, ms);
    return r.result?.structuredContent ?? r;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.stdin!.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(t);
    }
  }
}
