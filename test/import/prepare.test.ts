import { describe, expect, it } from 'vitest';
import { FillTexts } from '../../src/import/chunk-json.js';
import { chunksOf } from '../../src/import/prepare.js';
import { START, type SourceRecord } from '../../src/import/source.js';

/** Records as a reader hands them over, in batches of `per`. */
async function* batches(records: SourceRecord[], per = 16): AsyncGenerator<SourceRecord[]> {
  for (let i = 0; i < records.length; i += per) yield records.slice(i, i + per);
}

const plan = { identity: 'test', texts: new FillTexts(undefined, undefined), chunkMessages: 2_500, chunkBytes: 468 * 1024 };

describe('chunks of records', () => {
  // Found by an adversarial review (2026-12-07): 300 lines of 600 KB (each over Segment's 32 KB) took the import to 357 MB.
  it('rejected records count by their size too: large rejects end a chunk, so a file of them is never held whole', async () => {
    const big = Buffer.alloc(600 * 1024, 0x61);
    const records: SourceRecord[] = Array.from({ length: 40 }, (_, i) => ({ line: i + 1, next: { offset: (i + 1) * big.length, line: i + 1, item: 0 }, raw: big, error: 'too large' }));
    let most = 0;
    let chunks = 0;
    let rejected = 0;
    for await (const chunk of chunksOf(batches(records), plan, START)) {
      chunks++;
      rejected += chunk.rejects.length;
      most = Math.max(most, chunk.rejects.reduce((n, r) => n + r.raw.length, 0));
    }
    expect(rejected).toBe(40);
    expect(chunks).toBe(40);
    expect(most).toBe(big.length);
  });
});
