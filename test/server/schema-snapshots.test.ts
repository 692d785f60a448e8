import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { directName } from '../../src/registry/slug.js';
import { toolView } from '../../src/meta/tool-view.js';
import { createServer, type ToolsMode } from '../../src/server/create-server.js';
import { RouterTaskStore } from '../../src/server/tasks.js';

/**
 * What clients see of each tool, committed under test/__snapshots__/ so that a schema change shows
 * up as a diff in review: the meta tools' tools/list entries (meta/NAME.json), and per tool its
 * direct-mode entry and the compact view SEARCH_TOOLS gives (tools/SLUG.json).
 * `npm run snapshots:update` (UPDATE_SNAPSHOTS=1) rewrites them; commit the diff with the change.
 */

const ROOT = join(import.meta.dirname, '..', '__snapshots__');
const UPDATE = !!process.env.UPDATE_SNAPSHOTS;
const HOW = 'If the change is intended, run `npm run snapshots:update` and commit the rewritten files under test/__snapshots__/.';

// Every tool listed: writes and destructive tools allowed, so none is left out of direct mode.
let app: App;
const listed: Record<ToolsMode, Tool[]> = { meta: [], direct: [] };

async function listTools(mode: ToolsMode): Promise<Tool[]> {
  const client = new Client({ name: 'snapshots', version: '0' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  // As the stdio and HTTP transports build it: with a task store, so the listing shows which tools take tasks.
  await createServer(app, mode, new RouterTaskStore()).connect(a);
  await client.connect(b);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

beforeAll(async () => {
  app = createApp({ env: { SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-snapshots-')) }, logLevel: 'silent', write: 'allow', allowDestructive: true });
  listed.meta = await listTools('meta');
  listed.direct = await listTools('direct');
});
afterAll(async () => {
  await app.close();
});

const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Compares each expected file with the one committed, or writes them all under UPDATE; stale files fail too. */
function check(folder: string, files: Map<string, unknown>): void {
  const dir = join(ROOT, folder);
  if (UPDATE) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [name, value] of files) writeFileSync(join(dir, name), text(value));
    return;
  }
  let committed: string[] = [];
  try {
    committed = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    /* no folder yet: every file below is reported as missing */
  }
  const extra = committed.filter((f) => !files.has(f));
  expect(extra, `Snapshots of tools that are no longer listed: ${extra.join(', ')}. ${HOW}`).toEqual([]);
  for (const [name, value] of files) {
    const path = `test/__snapshots__/${folder}/${name}`;
    expect(committed.includes(name), `No snapshot ${path} (a new tool?). ${HOW}`).toBe(true);
    const old = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    // Compared as JSON text, so key order and undefined fields count as they would on the wire.
    expect(JSON.parse(text(value)), `What clients see of ${name.replace(/\.json$/, '')} changed (${path}). ${HOW}`).toEqual(old);
  }
}

describe('schema snapshots (what clients see)', () => {
  it('the meta tools, as tools/list gives them', () => {
    check('meta', new Map(listed.meta.map((t) => [`${t.name}.json`, t])));
  });

  it('every tool: its direct-mode entry and its compact SEARCH_TOOLS view', () => {
    const direct = new Map(listed.direct.map((t) => [t.name, t]));
    const files = new Map<string, unknown>();
    for (const tool of app.registry.tools) {
      files.set(`${tool.slug}.json`, { direct: direct.get(directName(tool.slug)), search: toolView(tool, app.config) });
    }
    expect(files.size).toBe(listed.direct.length);
    check('tools', files);
  });
});
