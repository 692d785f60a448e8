import { loadRegistry } from '../../src/inventory.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateResult } from '../../src/execution/truncate.js';
import { checkArgumentsSize } from '../../src/execution/limits.js';
import { DEFAULT_LIMITS } from '../../src/config/runtime.js';

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('answers over the size limit', () => {
  it('small answers are untouched', () => {
    const r = { successful: true, tool_slug: 'SEGMENT_TRACK', data: { accepted: true } };
    expect(truncateResult(r, 100_000)).toBe(r);
  });

  it('a long list is cut to its first items, marked, and the marker says how to page (Public API list)', () => {
    const sources = Array.from({ length: 2_000 }, (_, i) => ({ id: `src_${i}`, name: `Source ${i}`, slug: `source-${i}`, enabled: true }));
    const r = { successful: true, tool_slug: 'SEGMENT_LIST_SOURCES', data: { sources, pagination: { current: 'MA==', next: 'MjAwMA==', totalEntries: 5_000 } } };
    const out = truncateResult(r, 20_000) as any;
    expect(size(out)).toBeLessThanOrEqual(20_000);
    expect(Object.keys(out).slice(0, 3)).toEqual(['successful', 'tool_slug', 'truncated']);
    const shown = out.data.sources.length;
    expect(out.data.sources).toEqual(sources.slice(0, shown));
    expect(out.truncated.cut).toEqual([{ path: 'data.sources', shown, total: 2_000, unit: 'items' }]);
    expect(out.truncated.note).toMatch(/^TRUNCATED/);
    expect(out.truncated.how_to_page).toContain(`pagination.count=${shown}`);
    expect(out.truncated.how_to_page).toMatch(/Do not use this page's next cursor/);
    expect(out.data.pagination).toEqual(r.data.pagination);
  });

  // Found by an adversarial review (2026-12-07): an answer cut to 8 MB and then to the inline limit kept the
  // first cut's marker ("shown: 927", "pagination.count=927") over the 10 items the agent got.
  it('an answer cut twice says what the second cut left, against the whole answer', () => {
    const functions = Array.from({ length: 1_000 }, (_, i) => ({ id: `fn${i}`, code: 'y'.repeat(900) }));
    const r = { successful: true, tool_slug: 'SEGMENT_LIST_FUNCTIONS', data: { functions, pagination: { current: 'c', next: 'NEXT' } } };
    const first = truncateResult(r, 500_000) as any;
    const second = truncateResult(first, 20_000) as any;
    const shown = second.data.functions.length;
    expect(shown).toBeLessThan(first.data.functions.length);
    expect(second.truncated.cut).toEqual([{ path: 'data.functions', shown, total: 1_000, unit: 'items' }]);
    expect(second.truncated.original_bytes).toBe(first.truncated.original_bytes);
    expect(second.truncated.how_to_page).toContain(`pagination.count=${shown}`);
    expect(size(second)).toBeLessThanOrEqual(20_000);
  });

  // Found by an adversarial review (2026-12-07): "the same arguments but pagination.count=N" kept all_pages,
  // so following it fetched every page again and was cut to the same first N items, round after round.
  it('merged pages (all_pages) that were cut say to page without all_pages', () => {
    const sources = Array.from({ length: 1_000 }, (_, i) => ({ id: `src_${i}`, description: 'd'.repeat(200) }));
    const r = { successful: true, tool_slug: 'SEGMENT_LIST_SOURCES', data: { sources, pagination: { current: 'c' }, pages_fetched: 5, complete: true } };
    const out = truncateResult(r, 20_000) as any;
    const shown = out.data.sources.length;
    expect(out.truncated.how_to_page).toMatch(new RegExp(`without all_pages, with pagination.count=${shown}`));
    expect(out.truncated.how_to_page).not.toMatch(/same arguments/);
  });

  // Found by a review (2026-12-07): 5,000 merged items cut to 1,500 were advised pagination.count=1500,
  // which the schema (1-1000) refuses.
  // Found by the review of the mends (2026-12-07): listAudiences pages at most 200, listFiltersForSpace 10.
  it('never advises a page count over what the tool takes', () => {
    const audiences = Array.from({ length: 2_000 }, (_, i) => ({ id: `aud_${i}`, name: `Audience number ${i}`, description: 'x'.repeat(50) }));
    const r = { successful: true, tool_slug: 'SEGMENT_LIST_AUDIENCES', data: { audiences, pages_fetched: 10, pagination: { next: null } } };
    expect((truncateResult(r, 60_000, () => 200) as any).truncated.how_to_page).toContain('pagination.count=200');
    expect(loadRegistry().pageCountMax('SEGMENT_LIST_AUDIENCES')).toBe(200);
    expect(loadRegistry().pageCountMax('SEGMENT_LIST_SOURCES')).toBe(1_000);
    expect(loadRegistry().pageCountMax('SEGMENT_TRACK')).toBeUndefined();
  });

  it('never advises a page count over the Public API\'s 1,000', () => {
    const sources = Array.from({ length: 5_000 }, (_, i) => ({ id: `s${i}` }));
    const r = { successful: true, tool_slug: 'SEGMENT_LIST_SOURCES', data: { sources, pagination: { current: 'c' }, pages_fetched: 25, complete: false } };
    const out = truncateResult(r, 40_000) as any;
    expect(out.data.sources.length).toBeGreaterThan(1_000);
    expect(out.truncated.how_to_page).toContain('pagination.count=1000');
  });

  // Found by an adversarial review (2026-12-07): a batch of 1,200 invalid messages was cut to 0 of its
  // rejected_before_sending (the list the hint points to) and 975 of error.details.issues, the same problems again.
  it.each([['about one size', ''], ['one three times the other', 'p'.repeat(300)]])('two lists (%s) are both cut, neither emptied for the other', (_name, pad) => {
    const rejected = Array.from({ length: 1_200 }, (_, i) => ({ index: i, reason: `batch.${i}.userId: give userId or anonymousId (a string)${pad}`, issues: [{ field: `batch.${i}.userId`, problem: 'required' }] }));
    const issues = Array.from({ length: 1_200 }, (_, i) => ({ field: `batch.${i}.userId`, problem: 'give userId or anonymousId (a string); nothing was sent for this message' }));
    const r = { successful: false, tool_slug: 'SEGMENT_BATCH', data: { accepted: 0, rejected_before_sending: rejected }, error: { kind: 'validation', message: 'No message could be sent.', hint: 'Fix the messages listed in data.rejected_before_sending (by index).', details: { issues } } };
    const out = truncateResult(r, 100_000) as any;
    expect(size(out)).toBeLessThanOrEqual(100_000);
    expect(out.data.rejected_before_sending.length).toBeGreaterThan(100);
    expect(out.error.details.issues.length).toBeGreaterThan(100);
  });

  it('a batch answer keeps its ranges whole and says how to rebuild every messageId', () => {
    const notAccepted = Array.from({ length: 3_000 }, (_, i) => ({ index: i + 10, messageId: `sr-x-${i + 10}`, reason: 'HTTP 503 (after 11 attempts)' }));
    const r = { successful: false, tool_slug: 'SEGMENT_BATCH', data: { accepted: 10, message_id_prefix: 'sr-x-', rejected_before_sending: [], not_accepted: notAccepted, not_accepted_ranges: [[10, 3_009]] } };
    const out = truncateResult(r, 50_000) as any;
    expect(size(out)).toBeLessThanOrEqual(50_000);
    expect(out.data.not_accepted_ranges).toEqual([[10, 3_009]]);
    expect(out.truncated.how_to_page).toMatch(/message_id_prefix followed by its index/);
  });

  it('a huge text is cut with a visible marker', () => {
    const out = truncateResult({ successful: false, error: { kind: 'upstream', message: 'x'.repeat(300_000) } }, 10_000) as any;
    expect(size(out)).toBeLessThanOrEqual(10_000);
    expect(out.error.message).toMatch(/…\[cut\]$/);
    expect(out.truncated.cut[0]).toMatchObject({ path: 'error.message', unit: 'characters', total: 300_000 });
  });

  it('any JSON answer, however shaped, comes back under the limit with a marker (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 3_000, max: 30_000 }), (data, limit) => {
        const big = { successful: true, tool_slug: 'SEGMENT_X', data: { payload: data, filler: Array.from({ length: 400 }, (_, i) => ({ i, data })) } };
        const out = truncateResult(big, limit) as any;
        if (size(big) <= limit) return void expect(out).toBe(big);
        expect(size(out)).toBeLessThanOrEqual(limit);
        expect(out.truncated.note).toMatch(/TRUNCATED/);
      }),
      { numRuns: 150, seed: 8 },
    );
  });
});

describe('arguments over the size limit', () => {
  it('5 MB by default, measured on the JSON the client sent, refused naming the limit', () => {
    expect(DEFAULT_LIMITS.maxArgumentsBytes).toBe(5_000_000);
    expect(checkArgumentsSize(undefined, { a: 'x'.repeat(100) }, 5_000_000)).toBeUndefined();
    const err = checkArgumentsSize('x'.repeat(5_000_001), undefined, 5_000_000)!;
    expect(err.kind).toBe('validation');
    expect(err.message).toMatch(/5,000,001 bytes of JSON; the limit is 5,000,000 bytes per call/);
  });
});

describe('truncation through the binary', () => {
  it('a Public API list over the limit is cut with paging advice; calls answered together share the limit', async () => {
    const { sandboxWithRouter } = await import('../helpers/router.js');
    const h = await sandboxWithRouter({ args: ['--write=deny'], env: { SEGMENT_ROUTER_MAX_ANSWER_BYTES: '20000' } });
    try {
      const template = h.sandbox.publicApi.sources[0]!;
      for (let i = 0; i < 300; i++) h.sandbox.publicApi.sources.push({ ...template, id: `src_${i}`, slug: `source-${i}`, name: `Source ${i}`, writeKeys: [] });
      const one = await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: { pagination: { count: 200 } } });
      expect(one.text.length).toBeLessThanOrEqual(20_000);
      expect(one.structured.successful).toBe(true);
      expect(one.structured.truncated.note).toMatch(/^TRUNCATED/);
      const cut = one.structured.truncated.cut[0];
      expect(cut).toMatchObject({ path: 'data.sources', total: 200, unit: 'items' });
      expect(one.structured.truncated.how_to_page).toContain(`pagination.count=${cut.shown}`);
      // The advice works: a page of that size fits whole.
      const page = await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: { pagination: { count: cut.shown } } });
      expect(page.structured.truncated).toBeUndefined();
      expect(page.structured.data.sources).toHaveLength(cut.shown);

      const three = await h.call('EXECUTE_TOOL', { tools: [1, 2, 3].map(() => ({ tool_slug: 'SEGMENT_LIST_SOURCES', arguments: { pagination: { count: 200 } } })) });
      expect(three.structured.results).toHaveLength(3);
      for (const r of three.structured.results) expect(r.truncated.cut[0].shown).toBeGreaterThan(0);
      expect(three.text.length).toBeLessThanOrEqual(20_000 + 1_000);
    } finally {
      await h.close();
    }
  });
});
