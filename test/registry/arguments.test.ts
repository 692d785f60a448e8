import { describe, expect, it } from 'vitest';
import { validateBatchItem } from '../../src/segment/tracking/schemas.js';
import { formatIssues } from '../../src/registry/arguments.js';
import { createApp } from '../../src/app.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Found by a new user's walk (2026-12-07): a message of type "tarck" read "type: must be one of the
 * listed variants", listing nothing, and "propertes" read "unknown field" with no word of "properties".
 */
describe('validation errors say what to write', () => {
  const reason = (item: unknown) => {
    const r = validateBatchItem(item);
    if (r.success) throw new Error('expected a failure');
    return formatIssues(r.issues);
  };

  it('a type that matches no call lists the types, with the nearest one', () => {
    expect(reason({ type: 'tarck', userId: 'u', event: 'E' })).toBe('type: "tarck" is not one of identify, track, page, screen, group, alias (did you mean "track"?)');
    expect(reason({ type: 'zzzz', userId: 'u' })).toBe('type: "zzzz" is not one of identify, track, page, screen, group, alias');
    // A value that is not text is not quoted back as if it were; a long one is cut.
    expect(reason({ type: 7, userId: 'u' })).toBe('type: must be one of identify, track, page, screen, group, alias');
    expect(reason({ type: 'x'.repeat(500), userId: 'u' })).toContain(`"${'x'.repeat(40)}..." is not one of`);
  });

  it("a misspelt field of a message is compared with that call's fields", () => {
    expect(reason({ type: 'track', userId: 'u', event: 'E', propertes: {} })).toBe('(arguments): unknown field "propertes" (did you mean "properties"?)');
    expect(reason({ type: 'identify', userId: 'u', trait: {} })).toBe('(arguments): unknown field "trait" (did you mean "traits"?)');
    expect(reason({ type: 'track', userId: 'u', event: 'E', zebra: 1 })).toBe('(arguments): unknown field "zebra"');
  });

  // Found by an adversarial review (2026-12-07): a 4 MB unknown key was compared whole with every field
  // (4 s of the server's loop) and echoed whole, 8 MB of answer.
  it('keys past any field name are neither compared nor echoed whole; at most ten are named', () => {
    const huge = 'k'.repeat(1_000_000);
    const one = reason({ type: 'track', userId: 'u', event: 'E', [huge]: 1 });
    expect(one.length).toBeLessThan(200);
    expect(one).toContain(`"${'k'.repeat(40)}..."`);
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`zz${i}`, i]));
    const listed = reason({ type: 'track', userId: 'u', event: 'E', ...many });
    expect(listed).toContain('and 490 more');
    expect(listed.length).toBeLessThan(400);
  });

  it("a misspelt argument of a tool is compared with the tool's arguments", async () => {
    const app = createApp({ logLevel: 'silent', env: { SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-args-')) } });
    try {
      const r = await app.executor.execute({ slug: 'SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', arguments: { sourceID: 'src_1' } });
      expect(r.error?.message).toContain('unknown field "sourceID" (did you mean "sourceId"?)');
    } finally {
      await app.close();
    }
  });
});
