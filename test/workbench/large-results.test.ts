import { ReadResourceResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { source } from '../../src/sandbox/public-api/store.js';
import { ResultStore } from '../../src/util/result-store.js';
import { expectNoSecrets, sandboxWithRouter } from '../helpers/router.js';

/** Answers over the inline limit: a preview plus a resource_link, and the whole via resources/read. */

describe('the result store', () => {
  it('keeps answers until it is full, then drops the oldest first; one larger than the store is not kept', () => {
    const store = new ResultStore(100, 3);
    const a = store.put('a'.repeat(40), 'a')!;
    const b = store.put('b'.repeat(40), 'b')!;
    const c = store.put('c'.repeat(40), 'c')!;
    expect(store.get(a)).toBeUndefined();
    expect(store.get(b)!.text).toBe('b'.repeat(40));
    expect(store.get(c)).toBeDefined();
    const d = store.put('d', 'd')!;
    const e = store.put('e', 'e')!;
    expect(store.size).toBe(3);
    expect(store.get(b)).toBeUndefined();
    expect([c, d, e].every((u) => store.get(u))).toBe(true);
    expect(store.put('x'.repeat(101), 'x')).toBeUndefined();
    expect(new Set([a, b, c, d, e]).size).toBe(5);
  });
});

describe('over MCP, with a 20 KB inline limit', () => {
  let env: Awaited<ReturnType<typeof sandboxWithRouter>>;
  beforeAll(async () => {
    env = await sandboxWithRouter({ env: { SEGMENT_ROUTER_MAX_ANSWER_BYTES: '20000' } });
    for (let i = 0; i < 100; i++) env.sandbox.publicApi.sources.push(source(`src_${i}`, `s-${i}`, `Source ${i}`, [`key-${i}`], 'ws_sandbox'));
  });
  afterAll(() => env.close());

  const read = (uri: string) => env.router.client.request({ method: 'resources/read', params: { uri } }, ReadResourceResultSchema);
  const linkOf = (content: { type: string; uri?: string }[]) => content.find((c) => c.type === 'resource_link') as { uri: string; mimeType: string } | undefined;

  it('RUN_SCRIPT: a large return value comes back as a preview and a link; resources/read gives all of it', async () => {
    const script = `return Array.from({ length: 3000 }, (_, i) => ({ i, name: 'item ' + i }));`;
    const r = await env.call('RUN_SCRIPT', { script });
    expect(r.result.isError).toBeFalsy();
    expect(r.text.length).toBeLessThanOrEqual(20_000);
    const link = linkOf(r.result.content as never)!;
    expect(link.uri).toMatch(/^segment-router:\/\/results\//);
    expect(link.mimeType).toBe('application/json');
    expect(r.structured.truncated.full_answer).toBe(link.uri);
    expect(r.structured.truncated.note).toMatch(/^TRUNCATED: .* read it with resources\/read/);
    expect(r.structured.result.length).toBeLessThan(3000);
    const whole = await read(link.uri);
    const kept = JSON.parse((whole.contents[0] as { text: string }).text);
    expect(kept.successful).toBe(true);
    expect(kept.result).toHaveLength(3000);
    expect(kept.result[2999]).toEqual({ i: 2999, name: 'item 2999' });
  });

  it('EXECUTE_TOOL: a large tool answer too, for one call and for a batch', async () => {
    const one = await env.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: {} });
    const link = linkOf(one.result.content as never);
    expect(link).toBeDefined();
    expect(one.structured.truncated.how_to_page).toMatch(/pagination\.count/);
    const kept = JSON.parse(((await read(link!.uri)).contents[0] as { text: string }).text);
    expect(kept.data.sources).toHaveLength(env.sandbox.publicApi.sources.length);
    expect(kept.data.sources.at(-1).id).toBe('src_99');
    expectNoSecrets(JSON.stringify(kept));

    const batch = await env.call('EXECUTE_TOOL', { tools: [1, 2, 3].map(() => ({ tool_slug: 'SEGMENT_LIST_SOURCES', arguments: {} })) });
    expect(batch.text.length).toBeLessThanOrEqual(21_000);
    for (const r of batch.structured.results) expect(r.truncated.cut[0].shown).toBeGreaterThan(0);
    const all = JSON.parse(((await read(linkOf(batch.result.content as never)!.uri)).contents[0] as { text: string }).text);
    expect(all.results.map((r: { data: { sources: unknown[] } }) => r.data.sources.length)).toEqual(Array(3).fill(env.sandbox.publicApi.sources.length));
  });

  it('a small answer has no link; an unknown link is a clear error', async () => {
    const small = await env.call('RUN_SCRIPT', { script: 'return 1' });
    expect(linkOf(small.result.content as never)).toBeUndefined();
    await expect(read('segment-router://results/999-nope')).rejects.toThrow(/No kept answer .* Run the call again/);
  });
});

describe('direct mode, with a 20 KB inline limit', () => {
  let env: Awaited<ReturnType<typeof sandboxWithRouter>>;
  beforeAll(async () => {
    env = await sandboxWithRouter({ args: ['--tools-mode=direct'], env: { SEGMENT_ROUTER_MAX_ANSWER_BYTES: '20000' } });
    for (let i = 0; i < 100; i++) env.sandbox.publicApi.sources.push(source(`src_${i}`, `s-${i}`, `Source ${i}`, [`key-${i}`], 'ws_sandbox'));
  });
  afterAll(() => env.close());

  it('a large answer is a preview plus a resource_link, and resources/read gives the whole of it', async () => {
    const r = await env.call('integration__segment__segment_list_sources', {});
    expect(r.result.isError).toBeFalsy();
    expect(r.text.length).toBeLessThanOrEqual(20_000);
    const link = r.result.content.find((c) => c.type === 'resource_link') as { uri: string } | undefined;
    expect(link?.uri).toMatch(/^segment-router:\/\/results\//);
    expect(r.structured.truncated.full_answer).toBe(link!.uri);
    const whole = await env.router.client.request({ method: 'resources/read', params: { uri: link!.uri } }, ReadResourceResultSchema);
    const kept = JSON.parse((whole.contents[0] as { text: string }).text);
    expect(kept.data.sources).toHaveLength(env.sandbox.publicApi.sources.length);
    expectNoSecrets(JSON.stringify(kept));
  });
});
