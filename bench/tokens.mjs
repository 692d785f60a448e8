import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { connectStdio } from './lib/mcp.mjs';
import { int } from './lib/stats.mjs';

/** Five everyday tasks, one tool each: what an agent's typical SEARCH_TOOLS answer carries. */
const FIVE_TASKS = [
  'record that a user completed an order',
  'set the email and plan of a user',
  'list the destinations connected to a source',
  'create a tracking plan',
  'delete all data about a user for a GDPR request',
];

const ONE_BROAD_TASK = 'set up a warehouse for our sources';

/** Context cost in tokens (o200k_base, the GPT-4o/o-series encoding) of what an agent reads. */
export default async function tokens({ root }) {
  const { loadRegistry } = await import(pathToFileURL(join(root, 'dist/inventory.js')).href);
  const { directName } = await import(pathToFileURL(join(root, 'dist/registry/slug.js')).href);
  const registry = loadRegistry();
  // Every tool as its own MCP tool, the way a classic server would list them.
  const perTool = registry.tools.map((t) => ({
    name: directName(t.slug),
    title: t.title,
    description: t.description,
    inputSchema: t.inputJsonSchema(),
    annotations: { readOnlyHint: t.access === 'read', destructiveHint: t.access === 'destructive', openWorldHint: true },
  }));

  const server = await connectStdio(['dist/cli.js', 'serve'], { root });
  try {
    const list = await server.client.listTools();
    const five = await server.client.callTool({ name: 'SEARCH_TOOLS', arguments: { queries: FIVE_TASKS.map((use_case) => ({ use_case })), limit: 1 } });
    const shown = Object.values(five.structuredContent.tool_schemas).filter((v) => v.input_schema).length;
    const listTokens = countTokens(JSON.stringify(list.tools));
    const answerTokens = countTokens(five.content[0].text);
    // One broad task with five primaries and their related tools.
    const broad = await server.client.callTool({ name: 'SEARCH_TOOLS', arguments: { queries: [{ use_case: ONE_BROAD_TASK }], limit: 5 } });
    const broadShown = Object.values(broad.structuredContent.tool_schemas).filter((v) => v.input_schema).length;
    const broadTokens = countTokens(broad.content[0].text);
    return [
      { metric: `tools/list, the ${list.tools.length} meta tools`, value: `${int(listTokens)} tokens`, target: '< 2,000', ok: listTokens < 2000 },
      { metric: `tools/list if each of the ${perTool.length} tools were its own MCP tool`, value: `${int(countTokens(JSON.stringify(perTool)))} tokens` },
      { metric: `SEARCH_TOOLS answer, 5 tasks, ${shown} tool schemas (compact)`, value: `${int(answerTokens)} tokens`, target: '< 3,000', ok: answerTokens < 3000 },
      { metric: `SEARCH_TOOLS answer, 1 task, ${broadShown} tool schemas (compact)`, value: `${int(broadTokens)} tokens`, target: '< 3,000', ok: broadTokens < 3000 },
    ];
  } finally {
    await server.close();
  }
}
