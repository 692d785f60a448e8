import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkList, FILLED_ID, FILLED_TIMESTAMP, FILLED_TYPE, FillTexts, membersIn, objectEnd } from '../../src/import/chunk-json.js';
import { runImport } from '../../src/import/runner.js';
import type { EventFormat } from '../../src/import/source.js';
import { deferredOf } from '../../src/util/deferred-list.js';
import { memberCount } from '../../src/util/raw-json.js';
import { appWithSandbox } from '../helpers/inprocess.js';

const TS = '2025-06-01T12:00:00Z';

describe("a chunk's messages as one JSON list, from each record's bytes", () => {
  const record = fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => !['type', 'timestamp', 'messageId'].includes(k)), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });

  it('holds each record as written with what was filled in before its closing brace, as JSON.stringify would put it; the call reads each from the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(record, fc.nat({ max: 7 }), fc.nat({ max: 2 }), fc.constantFrom('', ' ', ' \n\t')), { minLength: 1, maxLength: 20 }), fc.nat({ max: 300 }), (given, room) => {
        const texts = new FillTexts('track', TS);
        // A small buffer to start with, as a spare one may be: the list grows past it.
        const chunk = new ChunkList(texts, Buffer.alloc(2 + room, 0x78), 4);
        const messages = given.map(([value, bits, indent, after], i) => {
          // A JSON array's item may run over lines and have spaces after it; an NDJSON line is one line.
          const raw = Buffer.from(JSON.stringify(value, null, indent) + after);
          const m: Record<string, unknown> = JSON.parse(raw.toString('utf8'));
          if (bits & FILLED_TYPE) m.type = 'track';
          if (bits & FILLED_TIMESTAMP) m.timestamp = TS;
          if (bits & FILLED_ID) m.messageId = `imp-${'a'.repeat(31)}${i}`;
          chunk.add(raw, objectEnd(raw), bits, m.messageId as string | undefined, membersIn(raw, objectEnd(raw)), false);
          return m;
        });
        // Each record as written, for the reject file, whatever was filled in.
        given.forEach(([value, , indent], i) => expect(chunk.record(i).toString('utf8')).toBe(JSON.stringify(value, null, indent)));
        const list = chunk.list();
        const lazy = deferredOf(list)!;
        expect(list.length).toBe(messages.length);
        messages.forEach((m, i) => {
          const text = lazy.raw.bytes.toString('utf8', lazy.raw.starts[i], lazy.raw.ends[i]);
          expect(lazy.at(i)).toEqual(m);
          expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(m));
          expect(lazy.raw.members[i]).toBe(memberCount(m));
        });
        expect(lazy.materialised).toBe(false);
        // Read as an array by anyone else, it is what JSON.parse makes of the whole list.
        expect(JSON.parse(lazy.raw.bytes.toString('utf8', lazy.raw.start, lazy.raw.end))).toEqual(messages);
        expect([...list]).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it('writes into the buffer it is given, from its start', () => {
    const spare = Buffer.alloc(1024, 0x78);
    const chunk = new ChunkList(new FillTexts(undefined, undefined), spare);
    const raw = Buffer.from('{"type":"track"}');
    chunk.add(raw, raw.length, 0, undefined, 1, false);
    const lazy = deferredOf(chunk.list())!;
    expect(lazy.raw.bytes).toBe(spare);
    expect(spare.toString('utf8', 0, lazy.raw.end)).toBe('[{"type":"track"}]');
  });
});

describe('an import sends each record as written', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Imports `text` in process; answers the summary and the bodies of the /v1/batch requests that left, as bytes. */
  async function importText(text: string | Buffer, format: EventFormat, extra: { type?: 'track'; defaultTimestamp?: string; chunkMessages?: number; inflight?: number; onProgress?: (p: { rejected: number }) => void } = {}) {
    const env = await appWithSandbox({ write: 'allow' });
    close = env.close;
    // Each call's list as the call got it, and whether it was still unparsed when the call ended.
    const calls: { batch: unknown[]; unparsedAtStart: boolean; unparsedAtEnd?: boolean }[] = [];
    const execute = env.app.executor.execute.bind(env.app.executor);
    env.app.executor.execute = async (req, hooks) => {
      const batch = (req.arguments as { batch: unknown[] }).batch;
      const call: (typeof calls)[number] = { batch, unparsedAtStart: deferredOf(batch)?.materialised === false };
      calls.push(call);
      const r = await execute(req, hooks);
      call.unparsedAtEnd = deferredOf(batch)?.materialised === false;
      return r;
    };
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
    const rejectsText = summary.rejects_file ? readFileSync(summary.rejects_file, 'utf8') : '';
    const rejects = rejectsText.trim() ? rejectsText.trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; record: string }) : [];
    return { summary, bodies, text: bodies.map((b) => b.toString('utf8')).join('\n'), sent, calls, rejects };
  }

  const spelled = (i: number) => `{"type": "track", "userId": "u${i}", "event": "Order\\u0020Completed", "timestamp": "${TS}", "properties": {"i": ${i}, "price": 1.50}}`;

  it('NDJSON lines leave as spelled, with the assigned messageId after their own members', async () => {
    const { summary, text, sent } = await importText(Array.from({ length: 20 }, (_, i) => spelled(i)).join('\n') + '\n', 'ndjson');
    expect(summary).toMatchObject({ accepted: 20, rejected: 0 });
    expect(text).toMatch(/"event": "Order\\u0020Completed", "timestamp": "2025-06-01T12:00:00Z", "properties": \{"i": 7, "price": 1\.50\},"messageId":"imp-[\w-]{32}"/);
    sent.forEach((m, i) => expect(m).toMatchObject({ type: 'track', userId: `u${i}`, event: 'Order Completed', properties: { i, price: 1.5 }, messageId: expect.stringMatching(/^imp-/), context: { library: { name: 'segment-router' } } }));
  }, 60_000);

  it('each call is one Segment request, about as full as one can be, whatever the size of the records', async () => {
    for (const pad of [40, 300]) {
      const lines = Array.from({ length: 4_000 }, (_, i) => `{"type":"track","userId":"u${i}","event":"Order Completed","timestamp":"${TS}","properties":{"note":"${'x'.repeat(pad)}","i":${i}}}`);
      const { summary, bodies, calls } = await importText(lines.join('\n') + '\n', 'ndjson');
      expect(summary).toMatchObject({ accepted: 4_000, rejected: 0 });
      // One request a call (the list measured as sent, context.library and messageId included) ...
      expect(bodies.length).toBe(calls.length);
      // ... and none but the last with room left for a record as large as Segment takes (32 KB).
      bodies.slice(0, -1).forEach((b) => expect(b.length).toBeGreaterThan(500_000 - 32 * 1024 - 2_048));
      bodies.forEach((b) => expect(b.length).toBeLessThanOrEqual(500_000));
      await close?.();
      close = undefined;
    }
  }, 120_000);

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

  it('a value warning is said once per kind, with the first line it was on, however many lines carry one', async () => {
    const big = (i: number) => `{"type":"track","userId":"u${i}","event":"Big","timestamp":"${TS}","properties":{"n":123456789012345678901}}`;
    const { summary } = await importText(Array.from({ length: 12 }, (_, i) => big(i)).join('\n') + '\n', 'ndjson');
    expect(summary).toMatchObject({ accepted: 12, rejected: 0 });
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings![0]).toMatch(/^line 1: /);
  }, 60_000);

  it('a run of rejected lines is written to the reject file as it goes, a chunk at a time, never held whole', async () => {
    const seen: number[] = [];
    const lines = Array.from({ length: 30 }, (_, i) => (i === 29 ? spelled(i) : `not json ${i}`));
    const { summary, rejects } = await importText(lines.join('\n') + '\n', 'ndjson', { chunkMessages: 10, onProgress: (p) => seen.push(p.rejected) });
    expect(summary).toMatchObject({ accepted: 1, rejected: 29 });
    expect(rejects).toHaveLength(29);
    expect(seen.filter((r) => r > 0 && r < 29)).toEqual([10, 20]);
  }, 60_000);

  // Changed 2026-12-07 (an adversarial review): such a line was sent with U+FFFD for its broken bytes, silently.
  it('a line that is not valid UTF-8 is a reject naming its first bad byte; the reject file keeps its bytes (latin1); the lines around it go', async () => {
    const broken = Buffer.concat([Buffer.from(`{"type":"track","userId":"u1","event":"Caf`), Buffer.from([0xe9]), Buffer.from(`","timestamp":"${TS}"}`)]);
    const file = Buffer.concat([Buffer.from(spelled(0) + '\n'), broken, Buffer.from('\n' + spelled(2) + '\n')]);
    const { summary, bodies, sent, rejects } = await importText(file, 'ndjson');
    expect(summary).toMatchObject({ accepted: 2, rejected: 1 });
    for (const b of bodies) expect(isUtf8(b)).toBe(true);
    expect(sent.map((m) => m.userId)).toEqual(['u0', 'u2']);
    expect(rejects[0]).toMatchObject({ line: 2, reason: expect.stringMatching(/^not valid UTF-8 \(byte 0xE9 at byte 43 of the record\)/), record_encoding: 'latin1' });
    expect(Buffer.from(rejects[0].record, 'latin1').equals(broken)).toBe(true);
  }, 60_000);

  it('the call gets each chunk unparsed and parses one message at a time: no chunk is ever parsed whole', async () => {
    const { summary, calls, sent } = await importText(Array.from({ length: 45 }, (_, i) => spelled(i)).join('\n') + '\n', 'ndjson', { chunkMessages: 20 });
    expect(summary).toMatchObject({ accepted: 45, rejected: 0 });
    expect(calls.map((c) => [c.batch.length, c.unparsedAtStart, c.unparsedAtEnd])).toEqual([[20, true, true], [20, true, true], [5, true, true]]);
    expect(sent.map((m) => m.userId)).toEqual(Array.from({ length: 45 }, (_, i) => `u${i}`));
  }, 60_000);

  it("a settled chunk's buffer is written over by a later chunk, and what each call sent is its own records", async () => {
    const { summary, calls, sent } = await importText(Array.from({ length: 40 }, (_, i) => spelled(i)).join('\n') + '\n', 'ndjson', { chunkMessages: 4, inflight: 1 });
    expect(summary).toMatchObject({ accepted: 40, rejected: 0 });
    const buffers = new Set(calls.map((c) => deferredOf(c.batch)!.raw.bytes.buffer));
    expect(calls).toHaveLength(10);
    expect(buffers.size).toBeLessThanOrEqual(2);
    expect(sent.map((m) => m.userId)).toEqual(Array.from({ length: 40 }, (_, i) => `u${i}`));
  }, 60_000);

  it('records whose bytes alone cannot tell are parsed by the import: an escaped key is read as JSON.parse reads it, a number leaves as written, a large integer is warned about with its line', async () => {
    const lines = [
      spelled(0),
      `{"\\u0074ype":"track","userId":"u1","event":"E","timestamp":"${TS}","properties":{"n":1e3}}`,
      `{"type":"track","userId":"u2","event":"E","timestamp":"${TS}","properties":{"big":12345678901234567890}}`,
      `{"type":"track","userId":"u3","event":"E","\\u0074imestamp":"${TS}"}`,
    ];
    const { summary, text, sent, rejects } = await importText(lines.join('\n') + '\n', 'ndjson');
    expect(summary).toMatchObject({ accepted: 4, rejected: 0 });
    expect(rejects).toEqual([]);
    expect(text).toContain('"properties":{"n":1e3},"messageId":"imp-');
    expect(sent[1]).toMatchObject({ type: 'track', userId: 'u1', properties: { n: 1000 } });
    expect(sent[3]).toMatchObject({ userId: 'u3', timestamp: TS });
    expect(summary.warnings).toEqual([expect.stringMatching(/^line 3: properties\.big is an integer beyond 2\^53: it is sent exactly as written in the file/)]);
  }, 60_000);

  it('records whose values no call can carry are rejected each with its line, and the rest of their chunk goes once', async () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });
    const track = (i: number, properties: unknown = { i }) => JSON.stringify({ type: 'track', userId: `u${i}`, event: 'E', timestamp: TS, properties });
    const lines = Array.from({ length: 12 }, (_, i) => track(i));
    lines[3] = track(3, nest(63));
    lines[7] = `{"type":"track","userId":"u7","event":"Broken \\ud800 half","timestamp":"${TS}"}`;
    lines[10] = track(10, nest(70));
    const { summary, sent, rejects } = await importText(lines.join('\n') + '\n', 'ndjson', { chunkMessages: 5 });
    expect(summary).toMatchObject({ complete: true, accepted: 9, rejected: 3 });
    expect(sent.map((m) => m.userId)).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 11].map((i) => `u${i}`));
    expect(rejects.map((r) => r.line)).toEqual([4, 8, 11]);
    expect(rejects[0]!.reason).toMatch(/^properties\.a\.a.* nests deeper than 64 levels\.$/);
    expect(rejects[1]!.reason).toMatch(/^event contains a lone UTF-16 surrogate/);
  }, 60_000);

  it('a record the call rejects is written to the reject file as the line it was, whatever was filled in', async () => {
    const lines = [spelled(0), `{"userId":"u1","event":"","timestamp":"${TS}"}`, spelled(2)];
    const { summary, rejects } = await importText(lines.join('\n') + '\n', 'ndjson', { type: 'track' });
    expect(summary).toMatchObject({ accepted: 2, rejected: 1 });
    expect(rejects).toEqual([{ line: 2, reason: expect.any(String), record: lines[1] }]);
  }, 60_000);

  it('so is one whose messageId is filled in (put in before its last byte): refused as not JSON, and the rest is sent', async () => {
    const item = (i: number) => `{"type":"track","userId":"u${i}","event":"E","timestamp":"${TS}"}`;
    const { summary, sent, rejects, bodies } = await importText(`[${item(0)}\f,${item(1)}\u00a0,${item(2)}]`, 'json');
    expect(summary).toMatchObject({ accepted: 1, rejected: 2 });
    expect(sent.map((m) => m.userId)).toEqual(['u2']);
    expect(rejects.map((r) => [r.line, r.reason.slice(0, 8)])).toEqual([[1, 'not JSON'], [1, 'not JSON']]);
    for (const b of bodies) expect(() => JSON.parse(b.toString('utf8'))).not.toThrow();
  }, 60_000);
});
