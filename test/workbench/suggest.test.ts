import { describe, expect, it } from 'vitest';
import { spansManyResources } from '../../src/workbench/suggest.js';

describe('when SEARCH_TOOLS should suggest RUN_SCRIPT', () => {
  it.each([
    'which destinations are disabled across all our sources',
    'for every source without an owner label, add team=growth',
    'copy these 40 tracking-plan rules to the new plan',
    'delivery metrics of every destination of one source',
    'disable each destination connected to the website source',
    'which warehouses does each source load into',
    'sources in no tracking plan, across all plans',
  ])('spans many resources: %s', (q) => expect(spansManyResources(q)).toBe(true));

  it.each([
    'list the destinations connected to a source',
    'list all sources',
    'record that a user completed an order',
    'create a tracking plan',
    'delete all data about a user for a GDPR request',
    'get the delivery metrics of destination dst_1',
    'send 3 events',
  ])('one call or a few: %s', (q) => expect(spansManyResources(q)).toBe(false));
});
