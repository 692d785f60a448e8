import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { LISTED_IDS, MAX_LINE_BYTES } from '../../src/audit/record.js';
import { Redactor } from '../../src/security/redact.js';
import { makeBatch } from '../helpers/batch.js';
import { readAuditLines } from '../helpers/audit-file.js';
import { appWithSandbox } from '../helpers/inprocess.js';

/**
 * Audit records pushed out by big batches: one 100k batch wrote one 4.8 MB line (every messageId), so
 * five such batches rotated away the record of a destructive SEGMENT_DELETE_SOURCE. Lines are now
 * bounded, and destructive calls also go to a file that ordinary traffic never writes.
 */

const tmp = () => mkdtempSync(join(tmpdir(), 'sr-audit-'));
const ids = (n: number, tag = 'm') => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

describe('bounded audit lines', () => {
  it('a 100,000-message batch is one short line: count, first, last and a digest of the ids', () => {
    const log = new AuditLog({ dir: tmp(), payloads: true, maxBytes: 5_000_000, keep: 3 }, new Redactor());
    const messageIds = ids(100_000);
    log.record({ slug: 'SEGMENT_BATCH', access: 'write', decision: 'allow', outcome: 'sent', status: 200, messageIds, args: { batch: messageIds.map((m) => ({ type: 'track', messageId: m })) } });
    const text = readFileSync(log.path, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_LINE_BYTES + 1);
    const [line] = readAuditLines(log.path);
    expect(line.message_count).toBe(100_000);
    expect(line.messageIds).toBeUndefined();
    expect(line.message_ids).toMatchObject({ first: 'm-0', last: 'm-99999', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Payloads too large for a line are kept as a masked preview with their size and digest.
    expect(line.args_cut.chars).toBeGreaterThan(1_000_000);
    expect(line.args_cut.preview.length).toBeLessThanOrEqual(2_001);
  });

  it(`up to ${LISTED_IDS} ids are listed as they are; a huge id or slug cannot stretch a line`, () => {
    const log = new AuditLog({ dir: tmp(), payloads: false, maxBytes: 5_000_000, keep: 3 }, new Redactor());
    log.record({ slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent', messageIds: ids(LISTED_IDS) });
    log.record({ slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent', messageIds: ['x'.repeat(1_000_000)] });
    const [a, b] = readAuditLines(log.path);
    expect(a.messageIds).toEqual(ids(LISTED_IDS));
    expect(b.messageIds[0].length).toBeLessThanOrEqual(100);
    for (const l of readFileSync(log.path, 'utf8').trim().split('\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });
});

describe('a destructive record survives ordinary traffic', () => {
  it('unit: after five 100k batches and 5,000 ordinary writes, the delete is still on disk', () => {
    const dir = tmp();
    const log = new AuditLog({ dir, payloads: false, maxBytes: 200_000, keep: 1 }, new Redactor());
    log.record({ slug: 'SEGMENT_DELETE_SOURCE', access: 'destructive', decision: 'allow', outcome: 'sent', status: 200 });
    for (let b = 0; b < 5; b++) log.record({ slug: 'SEGMENT_BATCH', access: 'write', decision: 'allow', outcome: 'sent', status: 200, messageIds: ids(100_000, `b${b}`) });
    for (let i = 0; i < 5_000; i++) log.record({ slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent', status: 200, messageIds: [`t-${i}`] });
    const kept = readAuditLines(log.destructivePath);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ slug: 'SEGMENT_DELETE_SOURCE', access: 'destructive', outcome: 'sent' });
    // The main log rotated as configured and still holds the latest ordinary record.
    expect(readAuditLines(log.path).at(-1).messageIds).toEqual(['t-4999']);
  });

  it('through the executor: a real delete, then large batches under a small rotation limit', { timeout: 120_000 }, async () => {
    const env = await appWithSandbox({ write: 'allow', allowDestructive: true, envExtra: { SEGMENT_ROUTER_AUDIT_MAX_BYTES: '20000', SEGMENT_ROUTER_AUDIT_KEEP: '1' } });
    try {
      const del = await env.app.executor.execute({ slug: 'SEGMENT_DELETE_SOURCE', arguments: { sourceId: 'src_to_delete' } });
      expect(del.tool_slug).toBe('SEGMENT_DELETE_SOURCE');
      for (let i = 0; i < 5; i++) {
        const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: makeBatch(5_000, { tag: `load${i}` }).batch } });
        expect(r.successful).toBe(true);
      }
      for (let i = 0; i < 200; i++) await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: `u${i}`, event: 'Ordinary' } });
      const kept = readAuditLines(env.app.audit.destructivePath);
      expect(kept.map((l) => l.slug)).toEqual(['SEGMENT_DELETE_SOURCE']);
      expect(readAuditLines(env.app.audit.path).some((l) => l.slug === 'SEGMENT_DELETE_SOURCE')).toBe(false); // rotated out of the main log, as the limit says
    } finally {
      await env.close();
    }
  });
});
