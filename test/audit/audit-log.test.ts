import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { rotateIfNeeded } from '../../src/audit/rotate.js';
import { Redactor } from '../../src/security/redact.js';
import { callTool, sandboxWithRouter, startRouter, WRITE_KEY, sandboxEnv } from '../helpers/router.js';
import { NO_ENV_CREDS } from '../helpers/connections.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'sr-audit-'));
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('audit log', () => {
  it('one JSON line per write attempt: time, slug, decision, outcome, status, messageIds; mode 0600', () => {
    const dir = tmp();
    const log = new AuditLog({ dir, payloads: false, maxBytes: 5_000_000, keep: 3 }, new Redactor());
    log.record({ slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent', status: 200, messageIds: ['m1'], args: { userId: 'u', properties: { email: 'x@y.z' } } });
    log.record({ slug: 'SEGMENT_ALIAS', access: 'write', decision: 'deny', outcome: 'refused' });
    const [a, b] = lines(log.path);
    expect(a).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent', status: 200, message_count: 1, messageIds: ['m1'] });
    expect(b).toMatchObject({ slug: 'SEGMENT_ALIAS', decision: 'deny', outcome: 'refused' });
    expect(readFileSync(log.path, 'utf8')).not.toContain('x@y.z'); // no payloads by default
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('--audit-payloads records arguments, with secrets still masked', () => {
    const redactor = new Redactor();
    redactor.add(WRITE_KEY);
    const log = new AuditLog({ dir: tmp(), payloads: true, maxBytes: 5_000_000, keep: 3 }, redactor);
    log.record({ slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent', args: { userId: 'u', properties: { email: 'x@y.z', oops: WRITE_KEY } } });
    const text = readFileSync(log.path, 'utf8');
    expect(text).toContain('x@y.z');
    expect(text).not.toContain(WRITE_KEY);
  });

  it('rotates by size: whole lines only, at most `keep` old files, the oldest dropped', () => {
    const dir = tmp();
    const log = new AuditLog({ dir, payloads: false, maxBytes: 1_000, keep: 3 }, new Redactor());
    for (let i = 0; i < 200; i++) log.record({ slug: `SEGMENT_T${i}`, access: 'write', decision: 'allow', outcome: 'sent', status: 200 });
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2', 'audit.jsonl.3']);
    const files = ['audit.jsonl.3', 'audit.jsonl.2', 'audit.jsonl.1', 'audit.jsonl'].map((f) => join(dir, f));
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(1_000);
    // Newest last, in order, nothing torn: the kept files hold the most recent records in sequence.
    const slugs = files.flatMap((f) => lines(f).map((l) => Number(l.slug.slice(9))));
    expect(slugs[slugs.length - 1]).toBe(199);
    expect(slugs).toEqual(Array.from({ length: slugs.length }, (_, k) => 200 - slugs.length + k));
  });

  it('four processes writing and rotating one log at once lose no line and never rotate the same file twice', async () => {
    const dir = tmp();
    const dist = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'audit', 'audit-log.js')).href;
    const redact = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'security', 'redact.js')).href;
    const child = `const { AuditLog } = await import(${JSON.stringify(dist)}); const { Redactor } = await import(${JSON.stringify(redact)});
      const log = new AuditLog({ dir: process.argv[1], payloads: false, maxBytes: 2_000, keep: 400 }, new Redactor(), (m) => { console.error(m); process.exitCode = 1; });
      for (let i = 0; i < 400; i++) log.record({ slug: 'SEGMENT_T' + process.pid + '_' + i, access: 'write', decision: 'allow', outcome: 'sent', status: 200 });`;
    const runs = Array.from({ length: 4 }, () => new Promise<{ code: number | null; err: string }>((done) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', child, dir]);
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => done({ code, err }));
    }));
    for (const r of await Promise.all(runs)) expect(r, r.err).toMatchObject({ code: 0 });
    const files = readdirSync(dir).filter((f) => f.startsWith('audit.jsonl'));
    const slugs = files.flatMap((f) => lines(join(dir, f)).map((l) => l.slug));
    expect(slugs).toHaveLength(1_600);
    expect(new Set(slugs).size).toBe(1_600);
  });

  it('a line larger than the limit still goes in whole, in a fresh file', () => {
    const dir = tmp();
    const path = join(dir, 'audit.jsonl');
    writeFileSync(path, 'x\n');
    expect(rotateIfNeeded(path, 5_000, 1_000, 2)).toBe(true);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(rotateIfNeeded(path, 5_000, 1_000, 2)).toBe(false); // empty/new file: write it there
  });

  it('an unwritable home never breaks a call: one warning, no throw', () => {
    // A file where the folder should be: no one, root included, can create the audit folder there.
    const blocker = join(tmp(), 'not-a-folder');
    writeFileSync(blocker, '');
    const warnings: string[] = [];
    const log = new AuditLog({ dir: join(blocker, 'audit'), payloads: false, maxBytes: 1_000, keep: 1 }, new Redactor(), (m) => warnings.push(m));
    for (let i = 0; i < 3; i++) expect(() => log.record({ slug: 'SEGMENT_TRACK', access: 'write', decision: 'allow', outcome: 'sent' })).not.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/audit log not written/);
  });

  it('through the binary: every attempt (sent, failed, dry run, partial batch) is recorded, no payload, rotated under the config home', async () => {
    const home = tmp();
    const auditDir = join(home, 'audit');
    const h = await sandboxWithRouter({ args: ['--write=allow'], env: { SEGMENT_ROUTER_HOME: home, SEGMENT_ROUTER_AUDIT_MAX_BYTES: '4000', SEGMENT_ROUTER_AUDIT_KEEP: '2' } });
    try {
      const track = await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u-1', event: 'Audit Me', properties: { secret_plan: 'PAYLOAD-MARKER' } } });
      const messageId = track.structured.data.messageId;
      h.sandbox.faults.add({ path: '/v1/identify', status: 400 });
      await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_IDENTIFY', arguments: { userId: 'u-1' } });
      await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_GROUP', arguments: { userId: 'u-1', groupId: 'g' }, dry_run: true });
      await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch: [{ type: 'track', userId: 'u', event: 'E' }, { type: 'track', event: 'no id' }] } });
      const all = lines(join(auditDir, 'audit.jsonl'));
      expect(all.map((l) => [l.slug, l.decision, l.outcome, l.status])).toEqual([
        ['SEGMENT_TRACK', 'allow', 'sent', 200],
        ['SEGMENT_IDENTIFY', 'allow', 'failed', 400],
        ['SEGMENT_GROUP', 'dry-run', 'not-sent', undefined],
        // Some of its messages went: "partial", not "failed" (the audit said "failed" until 2026-12-07).
        ['SEGMENT_BATCH', 'allow', 'partial', 200],
      ]);
      expect(all[0].messageIds).toEqual([messageId]);
      expect(all[3].message_count).toBe(1);
      expect(readFileSync(join(auditDir, 'audit.jsonl'), 'utf8')).not.toContain('PAYLOAD-MARKER');
      // Enough writes to rotate twice over: two old files kept, each under the limit.
      for (let i = 0; i < 40; i++) await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: `u-${i}`, event: 'Rotate' } });
      expect(readdirSync(auditDir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
      for (const f of readdirSync(auditDir)) expect(statSync(join(auditDir, f)).size).toBeLessThanOrEqual(4_000);
    } finally {
      await h.close();
    }
  });

  // Found by an adversarial review (2026-12-07): a write that reached Segment and got no answer was audited "failed".
  it('a write that went out and got no answer is recorded as unknown, not failed', async () => {
    const home = tmp();
    const h = await sandboxWithRouter({ args: ['--write=allow'], env: { SEGMENT_ROUTER_HOME: home, SEGMENT_ROUTER_MAX_RETRIES: '0', SEGMENT_ROUTER_TIMEOUT_MS: '500' } });
    try {
      h.sandbox.faults.add({ path: '/v1/alias', afterAccept: true, delayMs: 1_500, status: 200 });
      const r = await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_ALIAS', arguments: { userId: 'u-2', previousId: 'anon-2' } });
      expect(r.structured.successful).toBe(false);
      // The sandbox takes it once its delay is over, after the router stopped waiting.
      await new Promise((done) => setTimeout(done, 1_500));
      expect(h.sandbox.events).toHaveLength(1);
      expect(lines(join(home, 'audit', 'audit.jsonl')).map((l) => [l.slug, l.outcome])).toEqual([['SEGMENT_ALIAS', 'unknown']]);
      // A batch the same way (found by the review of the mends: it was "failed").
      h.sandbox.faults.add({ path: '/v1/batch', afterAccept: true, delayMs: 1_500, status: 200 });
      const b = await h.call('EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch: [{ type: 'track', userId: 'u-3', event: 'Order Completed' }] } });
      expect(b.structured.successful).toBe(false);
      expect(lines(join(home, 'audit', 'audit.jsonl')).map((l) => [l.slug, l.outcome])).toEqual([['SEGMENT_ALIAS', 'unknown'], ['SEGMENT_BATCH', 'unknown']]);
    } finally {
      await h.close();
    }
  });

  it('through the binary under --write=ask: confirmed and declined writes are both recorded', async () => {
    const home = tmp();
    const h = await sandboxWithRouter({ args: ['--write=allow'] });
    let answer: 'accept' | 'decline' = 'decline';
    const r = await startRouter({ args: ['--write=ask'], env: sandboxEnv(h.sandbox, { SEGMENT_ROUTER_HOME: home }), onElicit: async () => (answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' }) });
    try {
      await callTool(r.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Declined' } });
      answer = 'accept';
      await callTool(r.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Confirmed' } });
      expect(lines(join(home, 'audit', 'audit.jsonl')).map((l) => [l.decision, l.outcome])).toEqual([
        ['ask-declined', 'refused'],
        ['ask-confirmed', 'sent'],
      ]);
      expect(h.sandbox.events.map((e) => e.event)).toEqual(['Confirmed']);
    } finally {
      await r.close();
      await h.close();
    }
  });
  it('a write that cannot go for want of a working write key is recorded too; under deny it is refused by the policy first, and under ask nobody is asked', async () => {
    const h = await sandboxWithRouter({ args: ['--write=allow'] });
    const track = { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Not Connected' } };
    let asked = 0;
    const routers = [];
    try {
      const audited = async (write: string, env: Record<string, string | undefined>) => {
        const home = tmp();
        const r = await startRouter({ args: [`--write=${write}`], env: sandboxEnv(h.sandbox, { ...env, SEGMENT_ROUTER_HOME: home }), onElicit: async () => (asked++, { action: 'accept', content: { confirm: true } }) });
        routers.push(r);
        const answer = await callTool(r.client, 'EXECUTE_TOOL', track);
        const path = join(home, 'audit', 'audit.jsonl');
        return { kind: answer.structured.error?.kind, lines: existsSync(path) ? lines(path).map((l) => [l.slug, l.decision, l.outcome]) : [] };
      };
      // No write key at all, and one that Segment refused (FAILED after the sandbox answered 401).
      expect(await audited('allow', NO_ENV_CREDS)).toEqual({ kind: 'not_connected', lines: [['SEGMENT_TRACK', 'allow', 'not-connected']] });
      expect(await audited('ask', NO_ENV_CREDS)).toEqual({ kind: 'not_connected', lines: [['SEGMENT_TRACK', 'ask', 'not-connected']] });
      expect(asked).toBe(0);
      expect(await audited('deny', NO_ENV_CREDS)).toEqual({ kind: 'policy', lines: [['SEGMENT_TRACK', 'deny', 'refused']] });
      h.sandbox.faults.add({ path: '/v1/track', status: 401 });
      const home = tmp();
      const r = await startRouter({ args: ['--write=allow'], env: sandboxEnv(h.sandbox, { SEGMENT_ROUTER_HOME: home }) });
      routers.push(r);
      expect((await callTool(r.client, 'EXECUTE_TOOL', track)).structured.successful).toBe(false);
      expect((await callTool(r.client, 'EXECUTE_TOOL', track)).structured.error.kind).toBe('not_connected');
      expect(lines(join(home, 'audit', 'audit.jsonl')).map((l) => [l.decision, l.outcome, l.status])).toEqual([
        ['allow', 'failed', 401],
        ['allow', 'not-connected', undefined],
      ]);
      expect(h.sandbox.events).toHaveLength(0);
    } finally {
      for (const r of routers) await r.close();
      await h.close();
    }
  });
});
