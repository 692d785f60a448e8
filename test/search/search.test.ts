import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { RelatedTools } from '../../src/search/related.js';
import { ToolSearch, knownFieldNames } from '../../src/search/search.js';
import { loadRegistry } from '../../src/inventory.js';

const registry = loadRegistry();
const search = new ToolSearch(registry);
const top = async (use_case: string, known_fields?: string) => (await search.search({ use_case, known_fields })).primary_tool_slugs;

describe('exact slugs and slug-like requests', () => {
  it('puts an exact slug first, however it is written', async () => {
    for (const q of ['SEGMENT_TRACK', 'segment_track', 'segment-track', 'track', 'integration__segment__segment_track']) expect((await top(q))[0], q).toBe('SEGMENT_TRACK');
    expect((await top('SEGMENT_LIST_SOURCES'))[0]).toBe('SEGMENT_LIST_SOURCES');
  });

  it('puts an alias first', async () => {
    const withAlias = new Registry(registry.tools, [{ slug: 'SEGMENT_SEND_EVENT', target: 'SEGMENT_TRACK', note: 'old name' }]);
    expect((await new ToolSearch(withAlias).search({ use_case: 'segment_send_event' })).primary_tool_slugs[0]).toBe('SEGMENT_TRACK');
  });

  it('finds a slug from part of it and through typos', async () => {
    expect((await top('list_connected_warehouses'))[0]).toBe('SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE');
    expect((await top('segmnt identfy'))[0]).toBe('SEGMENT_IDENTIFY');
    expect((await top('SEGMENT_LIST_SORCES'))[0]).toBe('SEGMENT_LIST_SOURCES');
  });
});

describe("Segment's vocabulary", () => {
  it('reads company/organization/account as the tracking group call, not IAM user groups', async () => {
    for (const q of ['associate a user with their company', 'put this user in the organisation acme', 'attach user 7 to the customer account they work for']) expect((await top(q))[0], q).toBe('SEGMENT_GROUP');
    expect((await top('add people to a user group'))[0]).toBe('SEGMENT_ADD_USERS_TO_USER_GROUP');
  });

  it('reads merging identities as alias', async () => {
    expect((await top('merge the identities of an anonymous visitor and a known user'))[0]).toBe('SEGMENT_ALIAS');
    expect((await top('link an old user id to a new one'))[0]).toBe('SEGMENT_ALIAS');
  });

  it('tells a page view from a screen view', async () => {
    expect((await top('log a page view on the pricing page'))[0]).toBe('SEGMENT_PAGE');
    expect((await top('log a screen view in the android app'))[0]).toBe('SEGMENT_SCREEN');
  });

  it('reads bulk or many-at-once as batch, and old data as a historical import', async () => {
    expect((await top('send thousands of events in bulk'))[0]).toBe('SEGMENT_BATCH');
    expect((await top('backfill events from 2019'))[0]).toBe('SEGMENT_IMPORT_HISTORICAL_DATA');
  });

  it('reads GDPR, erase and forget as regulations', async () => {
    for (const q of ['GDPR erasure for user 42', 'forget this user everywhere', 'erase everything we hold on a customer']) expect((await top(q))[0], q).toMatch(/REGULATION/);
  });

  it('knows MTU and ETL', async () => {
    expect((await top('MTU usage this month'))[0]).toMatch(/_MTU_USAGE$/);
    expect((await top('list my reverse ETL models'))[0]).toBe('SEGMENT_LIST_REVERSE_ETL_MODELS');
  });

  it('reads a platform word before a resource as its name, not as a screen or page call', async () => {
    expect((await top('rename the android source'))[0]).toBe('SEGMENT_UPDATE_SOURCE');
    expect((await top('disable the ios source'))[0]).toBe('SEGMENT_UPDATE_SOURCE');
  });

  it("tells Segment's catalog from the workspace's own resources", async () => {
    expect((await top('which destinations does segment offer'))[0]).toBe('SEGMENT_GET_DESTINATIONS_CATALOG');
    expect((await top('list our destinations'))[0]).toBe('SEGMENT_LIST_DESTINATIONS');
  });

  it('answers a batch of several calls rather than giving up on it', async () => {
    expect((await top('send a few hundred identify and track calls together'))[0]).toBe('SEGMENT_BATCH');
  });

  it('picks the operation the request asks for', async () => {
    expect((await top('show all sources'))[0]).toBe('SEGMENT_LIST_SOURCES');
    expect((await top('delete a source'))[0]).toBe('SEGMENT_DELETE_SOURCE');
    expect((await top('rename a source'))[0]).toBe('SEGMENT_UPDATE_SOURCE');
    expect((await top('create a source'))[0]).toBe('SEGMENT_CREATE_SOURCE');
    expect((await top('what destinations are there'))[0]).toBe('SEGMENT_LIST_DESTINATIONS');
    expect((await top('switch the braze destination off'))[0]).toBe('SEGMENT_UPDATE_DESTINATION');
    expect((await top('get rid of the staging warehouse'))[0]).toBe('SEGMENT_DELETE_WAREHOUSE');
  });
});

describe('known fields', () => {
  it('parses names and ignores values', async () => {
    expect(knownFieldNames('sourceId:src_1, userId=42; eventName')).toEqual(['sourceId', 'userId', 'eventName']);
    expect(knownFieldNames('not a field: x')).toEqual([]);
  });

  it('ranks tools that take the known fields higher', async () => {
    // Two tools get a filter: one by destination and filter id, one (space filters) by a bare id.
    expect((await top('get a filter', 'destinationId:dst_1, filterId:flt_1'))[0]).toBe('SEGMENT_GET_FILTER_IN_DESTINATION');
    expect((await top('get a filter', 'id:flt_1'))[0]).toBe('SEGMENT_GET_FILTER_BY_ID');
  });
});

describe('result sets', () => {
  it('returns 1 to 5 primaries and related tools that are not primaries', async () => {
    const hit = await search.search({ use_case: 'alias an anonymous id to a user id' });
    expect(hit.primary_tool_slugs.length).toBeGreaterThanOrEqual(1);
    expect(hit.primary_tool_slugs.length).toBeLessThanOrEqual(5);
    expect(hit.primary_tool_slugs[0]).toBe('SEGMENT_ALIAS');
    expect(hit.related_tool_slugs).toContain('SEGMENT_IDENTIFY');
    for (const s of hit.related_tool_slugs) expect(hit.primary_tool_slugs).not.toContain(s);
  });

  it('pairs a new tracking plan with adding a source to it, and an id with the tool that lists it', async () => {
    const related = new RelatedTools(registry.tools);
    expect(related.for(['SEGMENT_CREATE_TRACKING_PLAN'])).toContain('SEGMENT_ADD_SOURCE_TO_TRACKING_PLAN');
    expect(related.for(['SEGMENT_DELETE_DESTINATION'])).toContain('SEGMENT_LIST_DESTINATIONS');
    expect(related.for(['SEGMENT_GET_REVERSE_ETL_MODEL'])).toContain('SEGMENT_LIST_REVERSE_ETL_MODELS');
    expect(related.for(['SEGMENT_ALIAS', 'SEGMENT_IDENTIFY'])).not.toContain('SEGMENT_IDENTIFY');
  });

  it('respects the limit', async () => {
    expect((await search.search({ use_case: 'audience' }, 2)).primary_tool_slugs.length).toBeLessThanOrEqual(2);
  });

  it('says so when nothing fits, instead of returning noise', async () => {
    const hit = await search.search({ use_case: 'order a pizza with extra cheese' });
    expect(hit.primary_tool_slugs).toEqual([]);
    expect(hit.related_tool_slugs).toEqual([]);
    expect(hit.note).toMatch(/No Segment tool/);
  });

  it('is deterministic across calls and instances', async () => {
    const q = { use_case: 'which sources send data to this warehouse', known_fields: 'warehouseId:w' };
    const a = await search.search(q);
    expect(await search.search(q)).toEqual(a);
    expect(await new ToolSearch(registry).search(q)).toEqual(a);
  });

  it('builds its index on the first search, not when created', async () => {
    let read = 0;
    const spy = registry.tools.map((t) => ({ ...t, get useCases() { read++; return t.useCases; } }));
    const lazy = new ToolSearch(new Registry(spy));
    expect(read).toBe(0);
    await lazy.search({ use_case: 'track an event' });
    expect(read).toBeGreaterThan(0);
  });
});
