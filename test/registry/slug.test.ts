import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { compareSlugs, normalizeSlug, toUpperSnake } from '../../src/registry/slug.js';

describe('slug rules', () => {
  it('turns operation ids into slugs, keeping acronym runs whole', () => {
    expect(toUpperSnake('listSchemaSettingsInSource')).toBe('LIST_SCHEMA_SETTINGS_IN_SOURCE');
    expect(toUpperSnake('getDailyPerSourceAPICallsUsage')).toBe('GET_DAILY_PER_SOURCE_API_CALLS_USAGE');
    expect(toUpperSnake('cancelReverseETLSyncForModel')).toBe('CANCEL_REVERSE_ETL_SYNC_FOR_MODEL');
  });
  it('orders slugs as localeCompare does, an underscore first: every pair of real slugs, and digits', () => {
    const slugs = [...loadRegistry().tools.map((t) => t.slug), 'SEGMENT_LIST', 'SEGMENT_LISTS', 'SEGMENT_LIST_2', 'SEGMENT_LIST2', 'SEGMENT_LIST_A', 'SEGMENT_LISTA', 'SEGMENT_V1_X', 'SEGMENT_V10'];
    for (const a of slugs) for (const b of slugs) expect(Math.sign(compareSlugs(a, b)), `${a} ${b}`).toBe(Math.sign(a.localeCompare(b)));
  });
  it('normalizes case, separators and the direct-mode prefix', () => {
    for (const s of ['segment_track', 'segment-track', 'integration__segment__segment_track', ' Segment Track ']) expect(normalizeSlug(s)).toBe('SEGMENT_TRACK');
  });
  // Found by a review (2026-12-07): "ségment_lïst_sources" was read as S_GMENT_L_ST_SOURCES, suggesting only SEGMENT_GET_SOURCE.
  it('reads accented letters as their plain letter', () => {
    expect(normalizeSlug('ségment_lïst_sources')).toBe('SEGMENT_LIST_SOURCES');
    expect(normalizeSlug('SEGMENT_TRÄCK')).toBe('SEGMENT_TRACK');
  });
});
