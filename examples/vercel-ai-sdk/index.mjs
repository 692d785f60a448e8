// segment-router through the Vercel AI SDK's MCP client, against the local sandbox.
// The tools the client returns are ordinary AI SDK tools: hand them to generateText({ tools }) and a
// model picks them. Here we call their execute() ourselves, so the example needs no model or API key.
//
//   npm run build && node examples/vercel-ai-sdk/index.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { experimental_createMCPClient as createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport as StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/** `segment-router sandbox --json` prints where it listens and the env to use, then one line per event. */
function startSandbox() {
  const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.type === 'listening') resolve({ child, env: msg.env });
    });
  });
}

/** An MCP tool result as JSON: the router puts the same object in structuredContent and in the text. */
const json = (result) => result.structuredContent ?? JSON.parse(result.content[0].text);

const sandbox = await startSandbox();
const client = await createMCPClient({
  transport: new StdioMCPTransport({
    command: process.execPath,
    // For real use: drop the sandbox, set SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN, and keep --write=deny
    // (or ask) until you mean to send data.
    args: [CLI, 'serve', '--write=allow'],
    env: { PATH: process.env.PATH ?? '', SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-ai-sdk-')), SEGMENT_ROUTER_LOG_LEVEL: 'warn', ...sandbox.env },
  }),
});

let failed = false;
try {
  const tools = await client.tools();
  console.log('tools:', Object.keys(tools).join(', '));
  const opts = (id) => ({ toolCallId: id, messages: [] });

  const search = json(await tools.SEARCH_TOOLS.execute({ queries: [{ use_case: 'track an event' }] }, opts('1')));
  const slug = search.results[0].primary_tool_slugs[0];
  console.log('search: best tool for "track an event" is', slug);

  const conn = json(await tools.MANAGE_CONNECTIONS.execute({ toolkits: ['segment'] }, opts('2')));
  console.log('connection:', conn.results[0].status);
  if (conn.results[0].status !== 'ACTIVE') throw new Error(conn.results[0].instruction);

  const run = json(await tools.EXECUTE_TOOL.execute({ tool_slug: slug, arguments: { userId: 'user_ai_sdk', event: 'Example Ran' } }, opts('3')));
  console.log('execute:', run.successful ? `accepted, messageId ${run.data.messageId}` : JSON.stringify(run.error));
  failed = !run.successful;
} catch (err) {
  console.error('example failed:', err.message);
  failed = true;
} finally {
  await client.close();
  sandbox.child.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
