import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, appendFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryJournal, JOURNAL_FILE } from '../../../src/segment/tracking/journal.js';
import { IndexSet } from '../../../src/segment/tracking/index-set.js';

const fresh = (n: number, total = 10) => ({ prefix: `sr-${String(n).padStart(36, '0')}-`, now: `2026-01-01T00:00:0${n % 10}.000Z`, total });
const dir = () => mkdtempSync(join(tmpdir(), 'sr-journal-'));

describe('the delivery journal', () => {
  it('a repeat of a call left open takes over its ids, timestamp and acks; an ended call is forgotten', () => {
    const d = dir();
    const first = new DeliveryJournal(d);
    const a = first.begin('fp-1', fresh(1));
    expect(a.resumed).toBe(false);
    first.ack(a.id, [0, 1, 2, 5]);
    // The process "dies": a new journal on the same directory (as a restarted server would open).
    const second = new DeliveryJournal(d);
    const b = second.begin('fp-1', fresh(2));
    expect(b).toMatchObject({ resumed: true, prefix: fresh(1).prefix, now: fresh(1).now });
    expect(b.acked.ranges()).toEqual([[0, 2], [5, 5]]);
    second.ack(b.id, [3, 4, 6, 7, 8, 9]);
    second.end(b.id);
    // Completed: the same call again is a new call with new ids.
    const c = new DeliveryJournal(d).begin('fp-1', fresh(3));
    expect(c).toMatchObject({ resumed: false, prefix: fresh(3).prefix });
    expect(c.acked.size).toBe(0);
  });

  it('never takes over a call that is still running, nor one of another size or content', () => {
    const d = dir();
    const j = new DeliveryJournal(d);
    const running = j.begin('fp-2', fresh(1));
    expect(j.begin('fp-2', fresh(2))).toMatchObject({ resumed: false, prefix: fresh(2).prefix });
    j.release(running.id);
    expect(j.begin('fp-other', fresh(3)).resumed).toBe(false);
    expect(j.begin('fp-2', fresh(4, 11)).resumed).toBe(false);
    expect(j.begin('fp-2', fresh(5))).toMatchObject({ resumed: true, prefix: fresh(1).prefix });
  });

  it('holds only hashes, ids and counts; survives a torn last line; stays bounded', () => {
    const d = dir();
    const j = new DeliveryJournal(d, { maxBytes: 4_000, maxAgeMs: 86_400_000 });
    for (let i = 0; i < 200; i++) {
      const r = j.begin(`fp-${i}`, fresh(i));
      j.ack(r.id, [0, 1, 2]);
      if (i % 50 !== 0) j.end(r.id);
      else j.release(r.id);
    }
    const path = join(d, JOURNAL_FILE);
    expect(statSync(path).size).toBeLessThan(8_000);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const keys = new Set(readFileSync(path, 'utf8').trim().split('\n').flatMap((l) => Object.keys(JSON.parse(l))));
    expect([...keys].sort()).toEqual(expect.arrayContaining(['fp', 'id', 'prefix', 't']));
    for (const k of keys) expect(['t', 'id', 'fp', 'pid', 'life', 'prefix', 'now', 'total', 'at', 'acked', 'r', 'done']).toContain(k);
    appendFileSync(path, '{"t":"begin","id":"torn');
    // The calls left open (0, 50, 100, 150) are all still there after compactions, with their acks.
    const again = new DeliveryJournal(d);
    for (const i of [0, 50, 100, 150]) expect(again.begin(`fp-${i}`, fresh(999)).acked.ranges()).toEqual([[0, 2]]);
  });
});

describe('the delivery journal, torn and crowded', () => {
  it('a call begun after a torn last line is still found by its repeat', () => {
    const d = dir();
    const path = join(d, JOURNAL_FILE);
    const first = new DeliveryJournal(d);
    const done = first.begin('fp-done', fresh(1));
    first.end(done.id);
    // An ack cut short by the machine going down (acks are not fsynced).
    appendFileSync(path, '{"t":"ack","id":"0000","r":[[0,1');
    const again = new DeliveryJournal(d);
    const a = again.begin('fp-big', fresh(2, 25_000));
    again.ack(a.id, [0, 1, 2]);
    // The process is killed; the client repeats the call.
    const b = new DeliveryJournal(d).begin('fp-big', fresh(3, 25_000));
    expect(b).toMatchObject({ resumed: true, prefix: fresh(2).prefix });
    expect(b.acked.ranges()).toEqual([[0, 2]]);
  });

  // Found by a review (2026-12-06): the first bound dropped a call still running, whose repeat after a crash then found nothing.
  it('a call still running is kept however many newer calls were left open', () => {
    const d = dir();
    const j = new DeliveryJournal(d, { maxBytes: 4_000, maxAgeMs: 86_400_000 });
    const running = j.begin('fp-running', fresh(1, 500));
    for (let i = 0; i < 30; i++) j.release(j.begin(`fp-${i}`, fresh(i + 2, 500)).id);
    j.ack(running.id, [0, 1]);
    // The process dies with the call unanswered; the repeat takes it over.
    expect(readFileSync(join(d, JOURNAL_FILE), 'utf8')).toContain(running.id);
    const again = new DeliveryJournal(d).begin('fp-running', fresh(99, 500));
    expect(again).toMatchObject({ resumed: true, prefix: fresh(1).prefix });
  });

  // Found under load (2026-12-07): a run settled (every message accepted, its answer on its way) read to a
  // repeat waiting on it in another process as left open; its end came before the repeat's begin, which
  // then found nothing to take over and sent the whole call again under new ids.
  it('a settled run reads to a repeat waiting on it, here or elsewhere, as ended, with its ids', async () => {
    const d = dir();
    const a = new DeliveryJournal(d);
    const run = a.begin('fp-settled', fresh(1, 3));
    const here = a.busy('fp-settled', 3);
    a.ack(run.id, [0, 1, 2]);
    a.settle(run.id, []);
    expect(await (here as { here: Promise<unknown> }).here).toMatchObject({ ended: true, prefix: fresh(1).prefix });
    const seen = { pid: process.pid, id: run.id, fp: 'fp-settled', total: 3, prefix: fresh(1).prefix, now: fresh(1).now };
    expect(new DeliveryJournal(d).endOf(seen)).toMatchObject({ ended: true, prefix: fresh(1).prefix, now: fresh(1).now });
    // Its caller never got the answer: the repeat takes it over and has every message acked.
    const again = new DeliveryJournal(d).begin('fp-settled', fresh(2, 3));
    expect(again).toMatchObject({ resumed: true, prefix: fresh(1).prefix });
    expect(again.acked.size).toBe(3);
  });

  // Noticed by the review of 2026-12-07 at unit level, mended 2026-12-07: lines another process appended
  // while this one compacted (between its read and its rename) were lost with the old file.
  it('acks another process appends while this one compacts again and again are all kept', async () => {
    const d = dir();
    const total = 20_000;
    const j = new DeliveryJournal(d, { maxBytes: 3_000, maxAgeMs: 86_400_000 });
    const watched = j.begin('fp-watched', fresh(1, total));
    const journalJs = join(process.cwd(), 'dist/segment/tracking/journal.js');
    const script = `const { DeliveryJournal } = await import(${JSON.stringify(journalJs)});
      const j = new DeliveryJournal(${JSON.stringify(d)});
      for (let i = 0; i < ${total}; i++) j.ack(${JSON.stringify(watched.id)}, [i]);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    let exited = false;
    const done = new Promise<number | null>((resolve) => child.once('exit', (code) => ((exited = true), resolve(code))));
    let compactions = 0;
    for (let k = 2; !exited; k++) {
      const before = statSync(join(d, JOURNAL_FILE)).ino;
      j.end(j.begin(`fp-${k}`, fresh(k, 1)).id);
      if (statSync(join(d, JOURNAL_FILE)).ino !== before) compactions++;
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toBe(0);
    expect(compactions).toBeGreaterThan(5);
    const again = new DeliveryJournal(d).begin('fp-watched', fresh(2, total));
    expect(again.resumed).toBe(true);
    expect(again.acked.size).toBe(total);
  }, 60_000);

  // Found by the review of the mends (2026-12-07): a run released (nothing accepted) and then dropped by a
  // compaction over its bound read, to a repeat waiting on it elsewhere, as ended: it answered "accepted
  // by an earlier attempt" and sent nothing. And a compacted file that got the inode number of the one it
  // replaced was read on from the old offset, its first lines missed.
  it('a run dropped open by a compaction is not taken for ended by a repeat waiting on it in another process', async () => {
    const d = dir();
    const opts = { maxBytes: 6_000, maxAgeMs: 86_400_000 };
    const journalJs = join(process.cwd(), 'dist/segment/tracking/journal.js');
    const script = `const { DeliveryJournal } = await import(${JSON.stringify(journalJs)});
      const j = new DeliveryJournal(${JSON.stringify(d)}, ${JSON.stringify(opts)});
      const run = j.begin('fp-watched', { prefix: 'p-', now: 'n', total: 1 });
      process.stdout.write(run.id + '\\n');
      await new Promise((r) => process.stdin.once('data', r));
      j.release(run.id);
      for (let k = 0; k < 30; k++) j.release(j.begin('fp-other-' + k, { prefix: 'q-', now: 'n', total: 1 }).id);
      process.stdout.write('done\\n');
      await new Promise((r) => process.stdin.once('data', r));`;
    const other = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      let out = '';
      other.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const line = async (n: number) => {
        while (out.split('\n').length <= n) await new Promise((r) => setTimeout(r, 10));
      };
      await line(1);
      const repeat = new DeliveryJournal(d, opts);
      const busy = repeat.busy('fp-watched', 1);
      expect(busy && 'elsewhere' in busy).toBe(true);
      other.stdin.write('go\n');
      await line(2);
      const seen = (busy as { elsewhere: Parameters<DeliveryJournal['endOf']>[0] }).elsewhere;
      // The waiting repeat, and one reading the file afresh (a compacted file may reuse an inode number).
      expect(repeat.endOf(seen)).toMatchObject({ ended: false });
      expect(new DeliveryJournal(d, opts).endOf(seen)).toMatchObject({ ended: false });
    } finally {
      other.kill();
    }
  }, 60_000);

  // Found by the last review (2026-12-07): a run seen running just before its hour was up, then left open and
  // dropped by a compaction, got no drop line ("past the hour"), and the repeat waiting on it read it as ended.
  it('a live process\'s run dropped open near its hour, and one among many dead processes\' runs, still gets its drop line', async () => {
    const d = dir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const opts = { maxBytes: 3_000, maxAgeMs: 86_400_000 };
      const path = join(d, JOURNAL_FILE);
      const now = Date.now();
      const lines = [{ t: 'begin', id: 'e-entry', fp: 'FP', pid: other.pid, life: 'other-life', prefix: 'pfx-e', now: 'n', total: 3, at: now - 3_600_000 + 1_500, acked: [[0, 0]] }];
      for (let i = 0; i < 30; i++) lines.push({ t: 'begin', id: `dead-${i}`, fp: `fp-${i}`, pid: 999_999, life: 'dead-life', prefix: `p-${i}`, now: 'n', total: 1, at: now - 1_000 + i, acked: [] });
      writeFileSync(path, lines.map((l) => JSON.stringify(l) + '\n').join(''));
      const waiter = new DeliveryJournal(d, opts);
      const busy = waiter.busy('FP', 3);
      expect(busy && 'elsewhere' in busy).toBe(true);
      await new Promise((r) => setTimeout(r, 2_000)); // the hour passes while the repeat waits
      appendFileSync(path, JSON.stringify({ t: 'release', id: 'e-entry' }) + '\n');
      new DeliveryJournal(d, opts).begin('another-call', fresh(9, 1));
      expect(waiter.endOf((busy as { elsewhere: Parameters<DeliveryJournal['endOf']>[0] }).elsewhere)).toMatchObject({ ended: false });
    } finally {
      other.kill();
    }
  });

  // Found reading the change (2026-12-07): past 10,000 drop lines read, the reader forgot the first it had
  // read, which the file lists first because it is the newest.
  it('past 10,000 runs dropped, a reader forgets the oldest, not the newest', () => {
    const d = dir();
    const now = Date.now();
    const drops = Array.from({ length: 10_001 }, (_, i) => JSON.stringify({ t: 'drop', id: `run-${i}`, at: now - i }));
    writeFileSync(join(d, JOURNAL_FILE), [JSON.stringify({ t: 'gen', id: '00000000-0000-4000-8000-000000000000' }), ...drops].join('\n') + '\n');
    const j = new DeliveryJournal(d, { maxBytes: 10_000_000, maxAgeMs: 86_400_000 });
    const seen = (id: string) => ({ pid: 1, id, fp: `fp-${id}`, total: 1, prefix: 'p', now: 'n' });
    expect(j.endOf(seen('run-0'))).toMatchObject({ ended: false });
    expect(j.endOf(seen('run-10000'))).toMatchObject({ ended: true });
  });

  // Found by a second review (2026-12-06): every open entry of another live process was kept, so two servers sharing a home stayed far past the bound.
  it('another live process\'s open entries are kept only while recent; older ones fall under the bound', async () => {
    const d = dir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const path = join(d, JOURNAL_FILE);
      const old = Date.now() - 2 * 3600_000;
      const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ t: 'begin', id: `o${i}`, fp: `fp-o${i}`, pid: other.pid, life: 'another', prefix: fresh(i).prefix, now: fresh(i).now, total: 10, at: old + i, acked: [[0, 1]] }));
      writeFileSync(path, lines.join('\n') + '\n');
      const j = new DeliveryJournal(d, { maxBytes: 4_000, maxAgeMs: 86_400_000 });
      j.release(j.begin('fp-mine', fresh(1)).id);
      expect(statSync(path).size).toBeLessThan(4_000);
    } finally {
      other.kill();
    }
  });

  it('calls left open with scattered acks keep it under its bound; the newest stay', () => {
    const d = dir();
    const j = new DeliveryJournal(d, { maxBytes: 20_000, maxAgeMs: 86_400_000 });
    for (let i = 0; i < 40; i++) {
      const r = j.begin(`fp-${i}`, fresh(i, 2_000));
      // Every second message accepted: a thousand ranges of one index.
      j.ack(r.id, Array.from({ length: 1_000 }, (_, k) => 2 * k));
      j.release(r.id);
    }
    expect(statSync(join(d, JOURNAL_FILE)).size).toBeLessThan(20_000 + 15_000);
    const again = new DeliveryJournal(d, { maxBytes: 20_000, maxAgeMs: 86_400_000 });
    expect(again.begin('fp-39', fresh(99, 2_000)).acked.size).toBe(1_000);
  });
});

describe('IndexSet', () => {
  it('merges runs in any order', () => {
    const s = IndexSet.of([5, 1, 2, 9, 3, 7, 8, 4]);
    expect(s.ranges()).toEqual([[1, 5], [7, 9]]);
    expect(s.has(6)).toBe(false);
    expect(s.has(7)).toBe(true);
    expect(s.size).toBe(8);
    expect(s.contiguousFrom(1)).toBe(6);
    s.addRange(6, 6);
    expect(s.ranges()).toEqual([[1, 9]]);
  });
});

// Found by an adversarial review (2026-12-07): a repeat waiting for another process's run took an entry that a
// compaction had dropped (ended, its end line never read here) for one left open, and sent it all again.
describe('a repeat waiting for another process\'s run', () => {
  it('an entry gone from the file without an end line read here ended, unless a newer entry of the same call took it over', () => {
    const d = dir();
    const path = join(d, JOURNAL_FILE);
    const other = (id: string, fp: string) => JSON.stringify({ t: 'begin', id, fp, pid: process.ppid, life: 'another-life', prefix: `sr-${id}-`, now: '2026-01-01T00:00:00.000Z', total: 3, at: Date.now() }) + '\n';
    const j = new DeliveryJournal(d);
    j.begin('unrelated', fresh(1)); // creates the file
    appendFileSync(path, other('first', 'fp-x'));
    const busy = j.busy('fp-x', 3);
    expect(busy && 'elsewhere' in busy).toBe(true);
    const seen = (busy as { elsewhere: Parameters<DeliveryJournal['endOf']>[0] }).elsewhere;
    expect(j.endOf(seen)).toBeUndefined();
    // Ended, then compacted away by its process: the file no longer holds it, and no end line was read.
    writeFileSync(path, '');
    expect(j.endOf(seen)).toEqual({ ended: true, prefix: 'sr-first-', now: '2026-01-01T00:00:00.000Z' });
    // Taken over instead: a newer entry of the same call is there.
    writeFileSync(path, other('second', 'fp-x'));
    expect(j.endOf(seen)).toEqual({ ended: false, prefix: '', now: '' });
  });
});

describe('a call\'s end that cannot be written', () => {
  it('still tells a repeat waiting in this process that the call is over', async () => {
    const j = new DeliveryJournal(dir());
    const run = j.begin('fp-full', fresh(1, 3));
    const busy = j.busy('fp-full', 3);
    expect(busy && 'here' in busy).toBe(true);
    (j as unknown as { append: () => void }).append = () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    expect(() => j.end(run.id)).toThrow(/no space/);
    await expect((busy as { here: Promise<unknown> }).here).resolves.toMatchObject({ ended: true, prefix: run.prefix });
    expect(j.busy('fp-full', 3)).toBeUndefined();
  });
});
