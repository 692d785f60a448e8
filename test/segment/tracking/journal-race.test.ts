import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

/**
 * A write armed here runs `before` just before it reaches the file: another process's compaction,
 * played at the one moment a real one could fall (the flake this replaces: one ack of 20,000 lost,
 * once in ~30 runs of journal.test.ts on a loaded machine).
 */
const armed: { text: string; before: () => void; times: number } = { text: '', before: () => {}, times: 0 };
vi.mock('../../../src/util/write-all.js', async (original) => {
  const real = await original<typeof import('../../../src/util/write-all.js')>();
  return {
    ...real,
    writeAllSync: (fd: number, data: string | Uint8Array, position?: number) => {
      if (armed.times > 0 && typeof data === 'string' && data === armed.text) {
        armed.times--;
        armed.before();
      }
      return real.writeAllSync(fd, data, position);
    },
  };
});

const { DeliveryJournal, JOURNAL_FILE } = await import('../../../src/segment/tracking/journal.js');

const fresh = (n: number, total = 10) => ({ prefix: `sr-${String(n).padStart(36, '0')}-`, now: `2026-01-01T00:00:0${n % 10}.000Z`, total });

describe('the delivery journal, raced', () => {
  // Found 2026-12-07 (a flake of the concurrent-compaction test): an ack written again to the file a
  // first compaction made, after a second one had read that file and replaced it, was lost: the writer
  // looked only once whether the file had moved under its write.
  it('an ack is kept when two compactions pass while it is written', () => {
    const d = mkdtempSync(join(tmpdir(), 'sr-journal-race-'));
    // Room for the watched entry (open, so every compaction keeps it) and little else.
    const opts = { maxBytes: 1_000, maxAgeMs: 86_400_000 };
    const journal = join(d, JOURNAL_FILE);
    const writer = new DeliveryJournal(d, opts);
    const compactor = new DeliveryJournal(d, opts);
    const watched = writer.begin('fp-watched', fresh(1, 100));
    // Enough lines that the compactor's next begin compacts.
    for (let k = 2; k < 12; k++) compactor.end(compactor.begin(`fp-${k}`, fresh(k, 1)).id);
    let k = 100;
    armed.text = JSON.stringify({ t: 'ack', id: watched.id, r: [[7, 7]] }) + '\n';
    armed.times = 2;
    // Before each of the writer's writes, a compaction: the first write lands in a file already
    // replaced, and so does the second, written again where the first compaction's file was.
    const compactions: boolean[] = [];
    armed.before = () => {
      const before = statSync(journal).ino;
      for (let i = 0; i < 8; i++) compactor.end(compactor.begin(`fp-${k++}`, fresh(k, 1)).id);
      compactions.push(statSync(journal).ino !== before);
    };
    writer.ack(watched.id, [7]);
    expect(compactions).toEqual([true, true]);
    const again = new DeliveryJournal(d).begin('fp-watched', fresh(2, 100));
    expect(again.resumed).toBe(true);
    expect(again.acked.ranges()).toEqual([[7, 7]]);
  });
});
