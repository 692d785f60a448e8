import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore, CheckpointWriter, type Checkpoint } from '../../src/import/checkpoint.js';
import { RejectFile } from '../../src/import/reject-file.js';
import { fileContext, recordMessageId } from '../../src/import/ids.js';

const dir = () => mkdtempSync(join(tmpdir(), 'sr-checkpoint-'));

describe('the reject file', () => {
  it('a resume cuts it back to the size its checkpoint recorded, then appends: no reject is listed twice', () => {
    const path = join(dir(), 'r.ndjson');
    const first = new RejectFile(path, 0, (t) => t);
    first.write([{ line: 2, reason: 'a', raw: Buffer.from('x') }]);
    const kept = first.bytes;
    first.write([{ line: 9, reason: 'written after the checkpoint', raw: Buffer.from('y') }]);
    first.close();
    const resumed = new RejectFile(path, kept, (t) => t);
    resumed.write([{ line: 9, reason: 'b', raw: Buffer.from('y') }]);
    resumed.close();
    // A checkpoint that counts more than the file holds (the file was cut): never padded with zeros.
    const cut = new RejectFile(path, 10_000, (t) => t);
    cut.write([{ line: 11, reason: 'c', raw: Buffer.from('z') }]);
    cut.close();
    expect(readFileSync(path, 'utf8')).not.toContain('\u0000');
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { line: 2, reason: 'a', record: 'x' },
      { line: 9, reason: 'b', record: 'y' },
      { line: 11, reason: 'c', record: 'z' },
    ]);
  });

  it('masks secrets in the record and the reason', () => {
    const path = join(dir(), 'r.ndjson');
    const f = new RejectFile(path, 0, (t) => t.split('SECRET123').join('****'));
    f.write([{ line: 1, reason: 'has SECRET123', raw: Buffer.from('{"k":"SECRET123"}') }]);
    f.close();
    expect(readFileSync(path, 'utf8')).not.toContain('SECRET123');
  });
});

describe('checkpoints', () => {
  const cp = (file: string): Checkpoint => ({ v: 2, file, identity: 'i', next: { offset: 10, line: 2, item: 0 }, guard: 'g', rejectsBytes: 0, counts: { read: 2, accepted: 2, rejected: 0 }, done: false, startedAt: '', updatedAt: '' });

  it('round-trip; a torn file reads as none (the import starts again under the same ids)', async () => {
    const home = dir();
    const store = new CheckpointStore(home);
    await store.save('k1', cp('a.ndjson'), true);
    expect(store.load('k1')).toEqual(cp('a.ndjson'));
    writeFileSync(store.path('k1'), '{"v":1,"file":');
    expect(store.load('k1')).toBeUndefined();
  });

  it('bounded: old checkpoints are removed, and the oldest past the bound, never those the running command names', async () => {
    const home = dir();
    const store = new CheckpointStore(home);
    for (let i = 0; i < 25; i++) {
      await store.save(`k${i}`, cp(`${i}.ndjson`), false);
      store.setRejectsWriter(`r${i}`, `k${i}`);
      // Oldest first: k0 the oldest.
      const at = new Date(Date.now() - (100 - i) * 1000);
      utimesSync(store.path(`k${i}`), at, at);
      utimesSync(join(store.dir, `rejects-r${i}.writer`), at, at);
    }
    const old = new Date(Date.now() - 31 * 24 * 3600_000);
    utimesSync(store.path('k24'), old, old);
    // The command imports k0..k2 (the oldest): they stay, whatever the bound.
    store.prune({ max: 20, keep: new Set([0, 1, 2].flatMap((i) => CheckpointStore.names(`k${i}`, `r${i}`))) });
    const left = readdirSync(join(home, 'journal', 'imports'));
    const json = left.filter((n) => n.endsWith('.json'));
    // Reject-file notes are counted on their own: they never push out checkpoints.
    expect(json).toHaveLength(20 + 3);
    expect(json).toEqual(expect.arrayContaining(['k0.json', 'k1.json', 'k2.json', 'k23.json']));
    expect(json).not.toContain('k24.json'); // untouched for 31 days
    expect(json).not.toContain('k3.json'); // the oldest past the bound
    expect(left.filter((n) => n.endsWith('.writer'))).toHaveLength(23);
  });
});

describe('messageIds', () => {
  it('the same record gets the same id; another position, content, CSV header or filled-in value another one', () => {
    const a = fileContext('csv', 'userId,event');
    const b = fileContext('csv', 'userId,properties.plan');
    const line = Buffer.from('u1,X');
    expect(recordMessageId(a, 3, line)).toBe(recordMessageId(fileContext('csv', 'userId,event'), 3, Buffer.from('u1,X')));
    const others = [recordMessageId(a, 4, line), recordMessageId(a, 3, Buffer.from('u1,Y')), recordMessageId(b, 3, line), recordMessageId(a, 3, line, 'track'), recordMessageId(fileContext('ndjson'), 3, line)];
    expect(new Set([recordMessageId(a, 3, line), ...others]).size).toBe(6);
    expect(recordMessageId(a, 3, line)).toMatch(/^imp-[A-Za-z0-9_-]{32}$/);
  });

  it('an id never changes: records of an earlier import resumed by a later version keep theirs (ASCII, UTF-8, bytes that are not UTF-8)', () => {
    // Worked out once from the definition (sha256 of "context\nposition\nfilled\n" + the bytes as latin1 text, as UTF-8).
    const ndjson = fileContext('ndjson');
    expect(recordMessageId(ndjson, 7, Buffer.from('{"userId":"u1","event":"A"}'))).toBe('imp-hZhkpgP-_EHkRQEAAbxez-Y-8XFXKEMb');
    expect(recordMessageId(fileContext('csv', 'userId,event'), 3, Buffer.from('u1,Café ✓'), 'track\n2026-01-31T12:00:00Z')).toBe('imp-vHGjMdb7oCkulQZQ7xSFKFDsC9oRUJQo');
    expect(recordMessageId(ndjson, 12, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe('imp-nubXZknHZUrktYXj14H6CoVOzNO_X3PA');
    // Records of every size and mix agree with the definition written out.
    const byDefinition = (context: string, position: number, raw: Buffer, filled = '') => `imp-${createHash('sha256').update(`${context}\n${position}\n${filled}\n${raw.toString('latin1')}`, 'utf8').digest('base64url').slice(0, 32)}`;
    for (const raw of [Buffer.alloc(0), Buffer.from('x'.repeat(70_000)), Buffer.from('{"a":"é"}'), Buffer.from('{"a":1}'.repeat(9_000))]) {
      expect(recordMessageId(ndjson, 1, raw, 'identify')).toBe(byDefinition(ndjson, 1, raw, 'identify'));
    }
  });
});

describe('checkpoints written as chunks settle', () => {
  const at = (line: number): Checkpoint => ({ v: 2, file: 'f', identity: 'i', next: { offset: line * 10, line, item: 0 }, guard: '', rejectsBytes: 0, counts: { read: line, accepted: line, rejected: 0 }, done: false, startedAt: 't', updatedAt: 't' });
  /** A write that finishes when told to, noting what it wrote and how many were under way at once. */
  function slowDisk() {
    const written: { line: number; durable: boolean }[] = [];
    const finish: (() => void)[] = [];
    let underWay = 0;
    let most = 0;
    const write = async (cp: Checkpoint, durable: boolean) => {
      most = Math.max(most, ++underWay);
      await new Promise<void>((r) => finish.push(r));
      written.push({ line: cp.next.line, durable });
      underWay--;
    };
    return { write, written, finishOne: () => finish.shift()?.(), most: () => most };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('one write at a time, of the state when asked; the last word lands after any background write', async () => {
    let now = 1_000;
    const disk = slowDisk();
    const writer = new CheckpointWriter(disk.write, () => now);
    const state = at(1);
    writer.soon(state);
    // Changed while its write is under way: what was asked is written.
    state.next = { offset: 20, line: 2, item: 0 };
    now += 500;
    writer.soon(state); // due, but one is being written: skipped
    const last = writer.now(at(3));
    await tick();
    expect(disk.most()).toBe(1);
    disk.finishOne();
    await tick();
    disk.finishOne();
    await last;
    expect(disk.written).toEqual([
      { line: 1, durable: false },
      { line: 3, durable: true },
    ]);
    expect(disk.most()).toBe(1);
  });

  it('at most one every 200 ms in the background, fsynced once a second; a failed one is said at the next chunk', async () => {
    let now = 0;
    const written: { line: number; durable: boolean }[] = [];
    let fail = false;
    const writer = new CheckpointWriter(async (cp, durable) => {
      if (fail) throw new Error('disk full');
      written.push({ line: cp.next.line, durable });
    }, () => now);
    for (let line = 1; line <= 12; line++) {
      now += 100;
      writer.soon(at(line));
      await writer.settled();
    }
    expect(written.map((w) => w.line)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(written.filter((w) => w.durable).map((w) => w.line)).toEqual([12]);
    fail = true;
    now += 300;
    writer.soon(at(13));
    await writer.settled();
    expect(() => writer.soon(at(14))).toThrow('disk full');
  });
});
