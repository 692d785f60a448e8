import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startCli } from './cli-process.js';

/** `serve --transport=http` on a free loopback port, and an SDK client connected to it. */
export async function startHttpRouter(args: string[], env: Record<string, string>) {
  const server = await startCli(['serve', '--transport=http', '--port', '0', ...args], env, /http:\/\/127\.0\.0\.1:\d+\/mcp/);
  const url = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(server.ready)![1]!;
  const client = new Client({ name: 'reliability-http', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    client,
    url,
    close: async () => {
      await client.close().catch(() => {});
      await server.stop();
    },
  };
}
