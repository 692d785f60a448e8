import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig } from '../../../src/config/runtime.js';
import { operationIndex, operationInput } from '../../../src/segment/public-api/catalog.js';
import { encodeSegment, expandPath } from '../../../src/segment/public-api/path.js';
import { encodeQuery } from '../../../src/segment/public-api/query.js';
import { prepareOperation } from '../../../src/segment/public-api/request.js';

const config = loadRuntimeConfig({}, {});
const entry = (id: string) => operationIndex().operations.find((o) => o.operationId === id)!;
const prepare = (id: string, args: Record<string, unknown>, region: 'us' | 'eu' = 'us') =>
  prepareOperation(entry(id), operationInput(id).plan, args, { config, credentials: { token: 'tok_secret_1234', region } }).requests[0]!;

describe('path parameters', () => {
  it('are percent-encoded so an id can never change the path', () => {
    expect(expandPath('/sources/{sourceId}', { sourceId: '../x' })).toBe('/sources/..%2Fx');
    expect(expandPath('/sources/{sourceId}', { sourceId: 'a/b' })).toBe('/sources/a%2Fb');
    expect(expandPath('/sources/{sourceId}', { sourceId: 'a?b#c d' })).toBe('/sources/a%3Fb%23c%20d');
    expect(new URL(`https://h${expandPath('/sources/{sourceId}/settings', { sourceId: '../../users' })}`).pathname).toBe('/sources/..%2F..%2Fusers/settings');
  });

  it('refuse dot segments and empty ids, which URL parsing would resolve away', () => {
    for (const bad of ['.', '..', '', ' ', '\t \n']) expect(() => encodeSegment('sourceId', bad)).toThrow(/not a valid id|only spaces/);
    expect(() => encodeSegment('eventName', 'x'.repeat(1025))).toThrow(/1025 characters/);
    // Names in a path keep their spaces: an event name is a path parameter.
    expect(encodeSegment('eventName', ' Order Completed ')).toBe('%20Order%20Completed%20');
    expect(encodeSegment('eventName', 'é'.repeat(1024))).toHaveLength(6 * 1024);
    expect(() => prepare('getSource', { sourceId: '..' })).toThrow(/sourceId/);
  });
});

describe('query encoding', () => {
  it('writes objects in the bracket form, arrays as repeated keys, arrays of objects indexed', () => {
    expect(encodeQuery([{ name: 'pagination', encoding: 'deep', value: { count: 50, cursor: 'a b' } }])).toBe('pagination[count]=50&pagination[cursor]=a%20b');
    expect(encodeQuery([{ name: 'groupBy', encoding: 'repeat', value: ['eventName', 'source'] }])).toBe('groupBy=eventName&groupBy=source');
    expect(encodeQuery([{ name: 'rules', encoding: 'indexed', value: [{ type: 'TRACK', key: 'Order Completed', version: 1 }] }])).toBe('rules[0][key]=Order%20Completed&rules[0][type]=TRACK&rules[0][version]=1');
    expect(encodeQuery([{ name: 'filter', encoding: 'deep', value: { eventName: ['A&B'] } }])).toBe('filter[eventName][0]=A%26B');
    expect(encodeQuery([{ name: 'message', encoding: 'plain', value: 'hi=1&x' }, { name: 'delay', encoding: 'plain', value: undefined }, { name: 'triggerError', encoding: 'plain', value: false }])).toBe('message=hi%3D1%26x&triggerError=false');
  });

  it('always states a page size on paged operations: left out, with a cursor alone, or with all_pages', () => {
    expect(prepare('listSources', {}).url).toBe('https://api.segmentapis.com/sources?pagination[count]=200');
    expect(prepare('listSources', { pagination: { cursor: 'c1' } }).url).toBe('https://api.segmentapis.com/sources?pagination[count]=200&pagination[cursor]=c1');
    expect(prepare('listSources', { all_pages: true }).url).toBe('https://api.segmentapis.com/sources?pagination[count]=200');
    // Space filters page by at most 10.
    expect(prepare('listFiltersForSpace', { integrationId: 'i', pagination: { cursor: 20 } }).url).toContain('pagination[count]=10&pagination[cursor]=20');
  });
});

describe('headers and host', () => {
  it('sends the bearer token, the best version as Accept and the matching Content-Type', () => {
    const get = prepare('getSource', { sourceId: 'src_1' });
    expect(get.headers).toMatchObject({ Authorization: 'Bearer tok_secret_1234', Accept: 'application/vnd.segment.v1+json' });
    expect(get.headers['Content-Type']).toBeUndefined();
    expect(get.body).toBeUndefined();
    const patch = prepare('updateSource', { sourceId: 'src_1', enabled: false });
    expect(patch).toMatchObject({ method: 'PATCH', body: { enabled: false } });
    expect(patch.headers['Content-Type']).toBe('application/vnd.segment.v1+json');
    expect(prepare('createDbtModelSyncTrigger', { sourceId: 's' }).headers).toMatchObject({ Accept: 'application/vnd.segment.v1beta+json', 'Content-Type': 'application/vnd.segment.v1beta+json' });
    expect(prepare('createWriteKeyForSource', { sourceId: 's' }).headers.Accept).toBe('application/vnd.segment.v1alpha+json');
  });

  it('goes to the EU host for an EU connection', () => {
    expect(prepare('getWorkspace', {}, 'eu').url).toBe('https://eu1.api.segmentapis.com/');
    expect(prepare('getWorkspace', {}, 'us').url).toBe('https://api.segmentapis.com/');
  });

  it('sends only the body fields, never path or query arguments', () => {
    const r = prepare('addSourceToTrackingPlan', { trackingPlanId: 'tp_1', sourceId: 'src_1' });
    expect(r.url).toBe('https://api.segmentapis.com/tracking-plans/tp_1/sources');
    expect(r.body).toEqual({ sourceId: 'src_1' });
  });
});
