import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

// The baseline for cold start: the smallest useful server on the same SDK, one tool, stdio.
const server = new McpServer({ name: 'minimal', version: '0' });
server.registerTool('echo', { description: 'Echo a message.', inputSchema: { message: z.string() } }, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
await server.connect(new StdioServerTransport());
