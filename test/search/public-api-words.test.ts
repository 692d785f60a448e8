import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { ToolSearch } from '../../src/search/search.js';

/** The project's words make search find Public API tools the way agents ask. */
const search = new ToolSearch(loadRegistry());

const CASES: [string, string][] = [
  ['which warehouses does this source feed', 'SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE'],
  ['turn a destination off', 'SEGMENT_UPDATE_DESTINATION'],
  ['list all sources', 'SEGMENT_LIST_SOURCES'],
  ['disable a source', 'SEGMENT_UPDATE_SOURCE'],
  ['block unplanned events', 'SEGMENT_UPDATE_SCHEMA_SETTINGS_IN_SOURCE'],
  ['check that the token works', 'SEGMENT_GET_WORKSPACE'],
  ['delete a user data gdpr', 'SEGMENT_CREATE_WORKSPACE_REGULATION'],
  ['who has access to our workspace', 'SEGMENT_LIST_USERS'],
  ['how many events failed to reach a destination', 'SEGMENT_GET_EGRESS_FAILED_METRICS_FROM_DELIVERY_OVERVIEW'],
  ['add an event to the tracking plan', 'SEGMENT_UPDATE_RULES_IN_TRACKING_PLAN'],
  ['rotate the write key', 'SEGMENT_CREATE_WRITE_KEY_FOR_SOURCE'],
  ['monthly tracked users this month', 'SEGMENT_GET_DAILY_WORKSPACE_MTU_USAGE'],
  ['invite a colleague', 'SEGMENT_CREATE_INVITES'],
  ['what changed in the workspace yesterday', 'SEGMENT_LIST_AUDIT_EVENTS'],
];

describe('search over the Public API words', () => {
  it.each(CASES)('"%s" finds %s', (useCase, slug) => {
    expect(search.search({ use_case: useCase }, 5).primary_tool_slugs).toContain(slug);
  });

  it('suggests the next step through related tools', () => {
    const hit = search.search({ use_case: 'create a tracking plan' }, 3);
    expect([...hit.primary_tool_slugs, ...hit.related_tool_slugs]).toContain('SEGMENT_ADD_SOURCE_TO_TRACKING_PLAN');
  });
});
