import { isUtf8 } from 'node:buffer';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FILLED_ID, FILLED_TIMESTAMP, FILLED_TYPE, FillTexts, registerChunkJson } from '../../src/import/chunk-json.js';
import { runImport } from '../../src/import/runner.js';
import type { EventFormat } from '../../src/import/source.js';
import { memberCount, rawElementsOf } from '../../src/util/raw-json.js';
import { appWithSandbox } from '../helpers/inprocess.js';

const TS = '2025-06-01T12:00:00Z';

describe("a chunk's messages as one JSON list, from each record's bytes", () => {
  const record = fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => !['type', 'timestamp', 'messageId'].includes(k)), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });

  it('holds each record as written with what was filled in before its closing brace, as JSON.stringify would put it', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(record, fc.nat({ max: 7 }), fc.nat({ max: 2 }), fc.constantFrom('', ' ', ' \n\t')), { minLength: 1, maxLength: 20 }), (given) => {
        const texts = new FillTexts('track', TS);
        const messages: Record<string, unknown>[] = [];
        const raws: Buffer[] = [];
        const filled: number[] = [];
        let bytes = 1;
        given.forEach(([value, bits, indent, after], i) => {
          // A JSON array's item may run over lines and have spaces after it; an NDJSON line is one line.
          const raw = Buffer.from(JSON.stringify(value, null, indent) + after);
          const m: Record<string, unknown> = JSON.parse(raw.toString('utf8'));
          if (bits & FILLED_TYPE) m.type = 'track';
          if (bits & FILLED_TIMESTAMP) m.timestamp = TS;
          if (bits & FILLED_ID) m.messageId = `imp-${'a'.repeat(31)}${i}`;
          messages.push(m);
          raws.push(raw);
          filled.push(bits);
          bytes += texts.size(raw, bits, m.messageId as string) + 1;
        });
        expect(registerChunkJson(messages, raws, filled, texts, bytes)).toBe(true);
        const raw = rawElementsOf(messages)!;
        messages.forEach((m, i) => {
          const text = raw.bytes.toString('utf8', raw.starts[i], raw.ends[i]);
          expect(JSON.parse(text)).toEqual(m);
          expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(m));
          expect(raw.members[i]).toBe(memberCount(m));
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('an import sends each record as written', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Imports `text` in process; answers the summary and the bodies of the /v1/batch requests that left, as bytes. */
  async function importText(text: string | Buffer, format: EventFormat, extra: { type?: 'track'; defaultTimestamp?: string } = {}) {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    const bodies: Buffer[] = [];
    const post = env.app.http.send.bind(env.app.http);
    env.app.http.send = (req, opts) => {
      if (req.url.endsWith('/v1/batch')) bodies.push(Buffer.from(req.body as Buffer));
      return post(req, opts);
    };
    const dir = mkdtempSync(join(tmpdir(), 'sr-chunk-'));
    const file = join(dir, `events.${format}`);
    writeFileSync(file, text);
    const summary = await runImport({ executor: env.app.executor, home: env.app.config.home, mask: (t) => t }, { file, format, rejectsPath: join(dir, 'rejects.ndjson'), ...extra });
    const sent = bodies.flatMap((b) => (JSON.parse(b.toString('utf8')) as { batch: Record<string, any>[] }).batch);
    return { summary, bodies, text: bodies.map((b) => b.toString('utf8')).join('\n'), sent };
  }

  const spelled = (i: number) => `{"type": "track", "userId": "u${i}", "event": "Order\\u0020Completed", "timestamp": "${TS}", "properties": {"i": ${i}, "price": 1.50}}`;

  it('NDJSON lines leave as spelled, with the assigned messageId after their own members', async () => {
    const { summary, text, sent } = await importText(Array.from({ length: 20 }, (_, i) => spelled(i)).join('\n') + '\n', 'ndjson');
    expect(summary).toMatchObject({ accepted: 20, rejected: 0 });
    expect(text).toMatch(/"event": "Order\\u0020Completed", "timestamp": "2025-06-01T12:00:00Z", "properties": \{"i": 7, "price": 1\.50\},"messageId":"imp-[\w-]{32}"/);
    sent.forEach((m, i) => expect(m).toMatchObject({ type: 'track', userId: `u${i}`, event: 'Order Completed', properties: { i, price: 1.5 }, messageId: expect.stringMatching(/^imp-/), context: { library: { name: 'segment-router' } } }));
  }, 60_000);

  it('items of a JSON array too, with --type and --default-timestamp filled in', async () => {
    const items = Array.from({ length: 3 }, (_, i) => `{ "userId": "u${i}",\n  "event": "Signed Up" }`);
    const { summary, text, sent } = await importText(`[\n${items.join(' ,\n')}\n]\n`, 'json', { type: 'track', defaultTimestamp: TS });
    expect(summary).toMatchObject({ accepted: 3, rejected: 0 });
    expect(text).toContain(`{ "userId": "u1",\n  "event": "Signed Up" ,"type":"track","timestamp":"${TS}","messageId":"imp-`);
    expect(sent.map((m) => [m.type, m.timestamp, m.userId])).toEqual([0, 1, 2].map((i) => ['track', TS, `u${i}`]));
  }, 60_000);

  it('a line that repeats a key leaves as what was checked: the earlier value is never sent', async () => {
    const lines = [spelled(0), `{"type":"track","userId":"u1","event":"E","timestamp":"${TS}","properties":{"email":"person@example.com"},"properties":{"n":1}}`, spelled(2)];
    const { summary, text, sent } = await importText(lines.join('\n') + '\n', 'ndjson');
    expect(summary).toMatchObject({ accepted: 3, rejected: 0 });
    expect(text).not.toContain('person@example.com');
    expect(sent[1]!.properties).toEqual({ n: 1 });
  }, 60_000);

  it('an array item followed by a character JSON does not read as space is refused: no request body leaves broken', async () => {
    // Items with nothing to fill in: their bytes would be sent as they are, the character with them.
    const items = Array.from({ length: 20 }, (_, i) => `{"type":"track","userId":"u${i}","event":"E","timestamp":"${TS}","messageId":"m${i}"}${i === 3 ? '\f' : i === 5 ? '\u00a0' : ''}`);
    const { summary, bodies, sent } = await importText(`[${items.join(',')}]`, 'json');
    for (const b of bodies) expect(() => JSON.parse(b.toString('utf8'))).not.toThrow();
    expect(summary).toMatchObject({ accepted: 18, rejected: 2 });
    expect(sent.map((m) => m.messageId)).not.toContain('m3');
  }, 60_000);

  it('a line that is not valid UTF-8 leaves as valid UTF-8, as it was read and checked (U+FFFD for the broken bytes)', async () => {
    const broken = Buffer.concat([Buffer.from(`{"type":"track","userId":"u1","event":"Caf`), Buffer.from([0xe9]), Buffer.from(`","timestamp":"${TS}"}`)]);
    const file = Buffer.concat([Buffer.from(spelled(0) + '\n'), broken, Buffer.from('\n' + spelled(2) + '\n')]);
    const { summary, bodies, sent } = await importText(file, 'ndjson');
    expect(summary).toMatchObject({ accepted: 3, rejected: 0 });
    for (const b of bodies) expect(isUtf8(b)).toBe(true);
    expect(sent[1]!.event).toBe('Caf\uFFFD');
  }, 60_000);
});
