import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createServer } from '../../src/server/create-server.js';

/** SEARCH_TOOLS as an MCP client sees it, over an in-memory transport (no network, no credentials). */

const app = createApp({ env: { SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-search-')) }, logLevel: 'silent' });
const client = new Client({ name: 'search-test', version: '0' });

beforeAll(async () => {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createServer(app).connect(a);
  await client.connect(b);
});
afterAll(async () => {
  await client.close();
  await app.close();
});

async function searchTools(args: Record<string, unknown>) {
  const r = await client.callTool({ name: 'SEARCH_TOOLS', arguments: args });
  return { structured: r.structuredContent as any, text: (r.content as { text: string }[])[0]!.text, isError: r.isError };
}

const FIVE = [
  { use_case: 'record that a user completed an order' },
  { use_case: 'set the email and plan of a user' },
  { use_case: 'log a page view of the pricing page' },
  { use_case: 'link an anonymous visitor to their new account id' },
  { use_case: 'associate a user with their company' },
];

describe('SEARCH_TOOLS', () => {
  it('answers several queries independently, each with its own primaries', async () => {
    const { structured } = await searchTools({ queries: [{ use_case: 'track an event' }, { use_case: 'identify a user' }] });
    expect(structured.results).toHaveLength(2);
    expect(structured.results[0].primary_tool_slugs[0]).toBe('SEGMENT_TRACK');
    expect(structured.results[1].primary_tool_slugs[0]).toBe('SEGMENT_IDENTIFY');
  });

  it('gives each primary a compact schema, access, pitfalls and the policy block; related tools in brief', async () => {
    const { structured } = await searchTools({ queries: [{ use_case: 'merge two user identities' }], limit: 1 });
    const [slug] = structured.results[0].primary_tool_slugs;
    expect(slug).toBe('SEGMENT_ALIAS');
    const view = structured.tool_schemas[slug];
    expect(view.access).toBe('write');
    expect(view.pitfalls.join(' ')).toMatch(/one-way/);
    expect(view.blocked_by_policy).toMatch(/write policy is "deny"/);
    expect(JSON.stringify(view.input_schema)).not.toContain('$schema');
    expect(view.input_schema.properties.context.properties).toBeUndefined();
    expect(structured.results[0].related_tool_slugs).toContain('SEGMENT_IDENTIFY');
    expect(structured.tool_schemas.SEGMENT_IDENTIFY).toMatchObject({ title: expect.any(String), access: 'write', brief: true });
    expect(structured.tool_schemas.SEGMENT_IDENTIFY.input_schema).toBeUndefined();
  });

  it('suggests RUN_SCRIPT for a goal that repeats a call over many resources, and not for one call', async () => {
    const { structured } = await searchTools({ queries: [{ use_case: 'turn off each destination fed by the kiosk source' }, { use_case: 'rename a source' }] });
    expect(structured.results[0].script_hint).toMatch(/RUN_SCRIPT/);
    expect(structured.results[1].script_hint).toBeUndefined();
  });

  it('returns the full schema on request', async () => {
    const { structured } = await searchTools({ queries: [{ use_case: 'SEGMENT_TRACK' }], limit: 1, full_schema: true });
    const schema = structured.tool_schemas.SEGMENT_TRACK.input_schema;
    expect(schema.$schema).toBeDefined();
    expect(schema.properties.context.properties.campaign).toBeDefined();
  });

  it('says when nothing matches', async () => {
    const { structured } = await searchTools({ queries: [{ use_case: 'what is the weather in london today' }] });
    expect(structured.results[0].primary_tool_slugs).toEqual([]);
    expect(structured.results[0].note).toBeTruthy();
    expect(structured.tool_schemas).toEqual({});
  });

  it('keeps a typical answer with five tool schemas under 3,000 tokens (o200k)', async () => {
    const { structured, text } = await searchTools({ queries: FIVE, limit: 1 });
    const full = Object.values(structured.tool_schemas).filter((v: any) => v.input_schema);
    expect(full).toHaveLength(5);
    expect(countTokens(text)).toBeLessThan(3000);
  });
});
