import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

/** The built binary, exactly as a user runs it. */
export const CLI = resolve(__dirname, '../../dist/cli.js');

export const WRITE_KEY = 'wk_TEST_SECRET_write_key_0123456789';
export const TOKEN = 'sgp_TEST_SECRET_token_abcdefghijklmnop';

export interface RouterHandle {
  client: Client;
  /** Every message the server sent, in wire order (the SDK client handles notifications a tick late). */
  received: unknown[];
  stderr: () => string;
  close(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Answer elicitation requests (enables the client capability). */
  onElicit?: (params: { message: string; requestedSchema?: unknown }) => Promise<{ action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> }>;
}

/** Environment that points the router at a sandbox, with fast retries and its own config home. */
export function sandboxEnv(sb: Sandbox, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: mkdtempSync(join(tmpdir(), 'sr-home-')),
    SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-config-')),
    SEGMENT_TRACKING_API_URL: sb.url,
    SEGMENT_PUBLIC_API_URL: sb.url,
    SEGMENT_WRITE_KEY: WRITE_KEY,
    SEGMENT_PUBLIC_API_TOKEN: TOKEN,
    SEGMENT_ROUTER_RETRY_BASE_MS: '5',
    SEGMENT_ROUTER_MIN_RETRY_AFTER_MS: '0',
    SEGMENT_ROUTER_TIMEOUT_MS: '2000',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function startRouter(opts: StartOptions = {}): Promise<RouterHandle> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', ...(opts.args ?? [])], env: opts.env as Record<string, string>, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: 'segment-router-tests', version: '1.0.0' }, { capabilities: opts.onElicit ? { elicitation: { form: {} } } : {} });
  if (opts.onElicit) {
    const answer = opts.onElicit;
    client.setRequestHandler(ElicitRequestSchema, async (req) => answer(req.params as { message: string; requestedSchema?: unknown }));
  }
  await client.connect(transport);
  const received: unknown[] = [];
  const deliver = transport.onmessage!;
  transport.onmessage = (m) => {
    received.push(m);
    deliver(m);
  };
  return { client, received, stderr: () => err, close: () => client.close() };
}

export async function sandboxWithRouter(opts: StartOptions & { sandbox?: Parameters<typeof startSandbox>[0] } = {}) {
  const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY], ...opts.sandbox });
  const router = await startRouter({ ...opts, env: sandboxEnv(sandbox, opts.env) });
  return {
    sandbox,
    router,
    call: (name: string, args: Record<string, unknown>) => callTool(router.client, name, args),
    close: async () => {
      await router.close();
      await sandbox.close();
    },
  };
}

export interface ToolCall {
  result: CallToolResult;
  structured: Record<string, any>;
  text: string;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>, options?: Parameters<Client['callTool']>[2]): Promise<ToolCall> {
  const result = (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  return { result, structured: (result.structuredContent ?? {}) as Record<string, any>, text };
}

/** Fails the test if any known secret appears in what a user or model can read. */
export function expectNoSecrets(...texts: string[]) {
  for (const t of texts) {
    for (const secret of [WRITE_KEY, TOKEN, Buffer.from(`${WRITE_KEY}:`).toString('base64')]) {
      if (t.includes(secret)) throw new Error(`secret leaked: ...${t.slice(Math.max(0, t.indexOf(secret) - 80), t.indexOf(secret) + 20)}`);
    }
  }
}

/** Requests that reached the sandbox's Tracking API (not the one-time token check). */
export function trackingRequests(sb: Sandbox) {
  return sb.requests.filter((r) => r.path.startsWith('/v1/'));
}
