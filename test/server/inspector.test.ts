import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/router.js';
import { node22, node22Env, npmTool } from '../helpers/ecosystem-tools.js';

/**
 * The MCP Inspector's CLI (pinned) drives the router over stdio the way a person debugging a
 * client would: it lists the tools and calls SEARCH_TOOLS. The router runs on the project's own
 * Node; the Inspector on Node 22 (from the npm registry, see ecosystem-tools.ts).
 */
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';
const run = promisify(execFile);

let inspector: string;
let node: string;
let env: Record<string, string>;
let home: string;

beforeAll(async () => {
  const dir = await npmTool(INSPECTOR);
  inspector = join(dir, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
  node = await node22();
  home = mkdtempSync(join(tmpdir(), 'sr-inspector-'));
  env = await node22Env({ HOME: home });
}, 900_000); // first run: Node 22 and the Inspector come from the registry; later runs from the cache

async function inspect(...args: string[]): Promise<any> {
  const { stdout } = await run(node, [inspector, '--cli', '-e', `SEGMENT_ROUTER_HOME=${home}`, process.execPath, CLI, 'serve', ...args], { env, cwd: home, maxBuffer: 1 << 24, timeout: 120_000 });
  return JSON.parse(stdout);
}

describe('MCP Inspector CLI over stdio', () => {
  it('lists the four meta tools and calls SEARCH_TOOLS', async () => {
    const list = await inspect('--method', 'tools/list');
    expect(list.tools.map((t: { name: string }) => t.name).sort()).toEqual(['EXECUTE_TOOL', 'MANAGE_CONNECTIONS', 'RUN_SCRIPT', 'SEARCH_TOOLS']);
    for (const t of list.tools) expect(t.inputSchema.type).toBe('object');

    const found = await inspect('--method', 'tools/call', '--tool-name', 'SEARCH_TOOLS', '--tool-arg', 'queries=[{"use_case":"track an event"}]');
    expect(found.isError).toBeFalsy();
    expect(found.structuredContent.results[0].primary_tool_slugs[0]).toBe('SEGMENT_TRACK');
  }, 240_000);
});
