import { describe, expect, it } from 'vitest';
import { decide } from '../../src/search/decide.js';
import type { ReadRequest } from '../../src/search/engine.js';

/** A request read as "who is in it now": every content word known, the best tool matched where it is named. */
const read: ReadRequest = { words: ['who', 'in', 'it', 'now'], corrected: {}, implied: [], catalog: [], operations: new Map(), content: 2, known: 2 };
const best = { slug: 'SEGMENT_LIST_USERS_FROM_USER_GROUP', score: 10, match: { member: ['title' as const] } };

describe('answer or not', () => {
  it('lets requests no tool serves overrule the words when they come much closer', () => {
    expect(decide(read, best, { served: 10, unserved: 5 }).answer).toBe(true);
    expect(decide(read, best, { served: 10, unserved: 14 }).answer).toBe(false);
  });

  it('needs them to come further ahead when the caller holds an id the best tool needs', () => {
    const d = decide(read, best, { served: 10, unserved: 14 }, undefined, ['id:userGroupId']);
    expect(d.answer).toBe(true);
    expect(d.namingHits).toContain('id:userGroupId');
    expect(decide(read, best, { served: 10, unserved: 19 }, undefined, ['id:userGroupId']).answer).toBe(false);
  });
});
