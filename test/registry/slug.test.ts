import { describe, expect, it } from 'vitest';
import { normalizeSlug, toUpperSnake } from '../../src/registry/slug.js';

describe('slug rules', () => {
  it('turns operation ids into slugs, keeping acronym runs whole', () => {
    expect(toUpperSnake('listSchemaSettingsInSource')).toBe('LIST_SCHEMA_SETTINGS_IN_SOURCE');
    expect(toUpperSnake('getDailyPerSourceAPICallsUsage')).toBe('GET_DAILY_PER_SOURCE_API_CALLS_USAGE');
    expect(toUpperSnake('cancelReverseETLSyncForModel')).toBe('CANCEL_REVERSE_ETL_SYNC_FOR_MODEL');
  });
  it('normalizes case, separators and the direct-mode prefix', () => {
    for (const s of ['segment_track', 'segment-track', 'integration__segment__segment_track', ' Segment Track ']) expect(normalizeSlug(s)).toBe('SEGMENT_TRACK');
  });
});
