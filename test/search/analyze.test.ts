import { describe, expect, it } from 'vitest';
import { analyzeQuery, docTerms } from '../../src/search/analyze.js';
import { words } from '../../src/search/text.js';

const verbs = (q: string) => Object.fromEntries(analyzeQuery(q).verbs);
const terms = (q: string) => [...analyzeQuery(q).terms.keys()];

describe('reading a request', () => {
  it('splits camelCase and snake_case and drops pasted values', () => {
    expect(words('listConnectedWarehouses src_1 jane@acme.com /docs/start 42 MTUs')).toEqual(['list', 'connected', 'warehouses', 'mtu']);
  });

  it('joins Segment compounds so "tracking plan" is not "track"', () => {
    expect(docTerms('List Rules from Tracking Plan')).toEqual(['rule', 'trackingplan']);
    expect(terms('add a source to a tracking plan')).toContain('trackingplan');
    expect(terms('add a source to a tracking plan')).not.toContain('track');
  });

  it('finds the operation, not nouns that look like verbs', () => {
    expect(verbs('delete the source')).toMatchObject({ delete: 1 });
    expect(verbs('fetch the audience preview')).not.toHaveProperty('preview');
    expect(verbs('user added a product to the cart')).not.toHaveProperty('add');
    expect(verbs('stop sending page events')).not.toHaveProperty('send');
    expect(verbs('trigger dbt to re-sync the models')).toMatchObject({ run: 1 });
  });

  it('reads a phrasal verb whose particle follows the object, and only as a particle', () => {
    expect(verbs('turn the ios source back on')).toMatchObject({ update: 1 });
    expect(verbs('kick dave out of the admins group')).toMatchObject({ remove: 1 });
    expect(verbs('turn the filter on the amplitude destination')).not.toHaveProperty('update');
  });

  it('reads a state after "is" as no operation', () => {
    expect(verbs('show me how the destination is set up')).not.toHaveProperty('create');
  });

  it('reads a lone group as a workspace user group unless companies or accounts are about', () => {
    expect(terms('who is in the finance group')).toContain('usergroup');
    expect(terms('record which group the acme company belongs to')).not.toContain('usergroup');
  });

  it('reads a question about state as a read', () => {
    const v = verbs('what filters are set up on the destination');
    expect(v.list).toBeGreaterThan(v.create ?? 0);
  });

  it('lets the number of the object choose between list and get', () => {
    const many = verbs('show the sources');
    const one = verbs('show this source');
    expect(many.list).toBeGreaterThan(many.get);
    expect(one.get).toBeGreaterThan(one.list);
  });

  it('gives quoted names little weight and adds synonyms', () => {
    const q = analyzeQuery('send the "Order Completed" event');
    expect(q.terms.get('order')).toBeLessThan(0.5);
    expect(analyzeQuery('GDPR request for a user').terms.get('regul')).toBe(1);
    expect(analyzeQuery('GDPR request for a user').explains.get('regul')?.get('gdpr')).toBe(1);
  });
});
