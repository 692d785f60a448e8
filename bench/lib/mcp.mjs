import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/**
 * Starts an MCP server as a child process over stdio and connects a client, timing spawn to the answered
 * initialize. The child gets a throwaway config home and only the Segment settings in `env` (local
 * sandbox or sink URLs and their keys): nothing leaves this machine.
 */
export async function connectStdio(args, { root, env: extra = {} } = {}) {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-bench-')), SEGMENT_ROUTER_LOG_LEVEL: 'silent', ...extra };
  const transport = new StdioClientTransport({ command: process.execPath, args, env, cwd: root, stderr: 'ignore' });
  const client = new Client({ name: 'segment-router-bench', version: '0' });
  const t0 = performance.now();
  await client.connect(transport);
  const startMs = performance.now() - t0;
  return { client, startMs, close: () => client.close() };
}
