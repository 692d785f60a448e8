import { ROUTER_SET_ARGUMENTS } from '../../src/registry/types.js';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { exampleArguments, toolHelp } from '../../src/cli/tool-help.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `call SLUG --help`: every tool's page, read from its registry entry, with an example its own schema accepts. */
describe('tool help', () => {
  const app = createApp({ logLevel: 'silent', env: { SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-toolhelp-')) } });

  it("every tool's example passes the tool's own validation", () => {
    const refused = app.registry.tools.filter((t) => !t.inputSchema().safeParse(exampleArguments(t)).success).map((t) => t.slug);
    expect(refused).toEqual([]);
    expect(app.registry.tools.length).toBeGreaterThan(200);
  });

  it('a rule outside the JSON Schema (userId or anonymousId) still makes it into the example', () => {
    expect(exampleArguments(app.registry.get('SEGMENT_TRACK')!)).toEqual({ event: '<event>', userId: '<userId>' });
    // Nested required fields are filled in: the label's key and value.
    expect(exampleArguments(app.registry.get('SEGMENT_CREATE_LABEL')!)).toEqual({ label: { key: '<key>', value: '<value>' } });
  });

  it('every page names the tool, each argument and a command to start from', () => {
    for (const t of app.registry.tools) {
      const page = toolHelp(app, t);
      expect(page.split('\n')[0]).toBe(`${t.slug}: ${t.title} (${t.access}, toolset ${t.toolset})`);
      expect(page).toContain(`segment-router call ${t.slug} --args '`);
      // Every argument but those the router fills in itself (sentAt), which the page leaves out.
      for (const name of t.paramNames.filter((p) => !ROUTER_SET_ARGUMENTS.has(p))) expect(page).toMatch(new RegExp(`^  ${name}\\*?\\s`, 'm'));
      expect(page).not.toMatch(/^  sentAt/m);
    }
  });
});
