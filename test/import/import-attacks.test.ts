import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli-process.js';
import { expectNoSecrets, sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';

/**
 * What an adversarial review of `import` found (2026-12-06), each as it was reproduced: the input
 * destroyed by its own reject file, rejects overwritten, a record that blocked the whole file,
 * resumes that sent lines again under new ids or missed an edit, a stray quote that swallowed a CSV.
 */

let sb: Sandbox;
const dir = mkdtempSync(join(tmpdir(), 'sr-import-attacks-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const TS = '2025-06-01T12:00:00Z';
const track = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'track', userId: `u${i}`, event: 'Order Completed', timestamp: TS, properties: { seq: i }, ...extra });
const lines = (n: number, from = 1) => Array.from({ length: n }, (_, k) => track(from + k)).join('\n') + '\n';

beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

async function run(args: string[], env: Record<string, string> = sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'warn' })) {
  const r = await runCli(['import', ...args, '--validate=off'], { env, timeoutMs: 60_000 });
  expectNoSecrets(r.stdout, r.stderr);
  return { ...r, env, summary: () => JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}
const received = () => sb.events.filter((e) => !e.dropped);
const seqs = () => received().map((e) => (e.message.properties as { seq: number }).seq);
const rejectLines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('import, as an adversary would use it', () => {
  it('a reject file that is the input itself is refused before anything is read or sent; the input is untouched', async () => {
    const text = lines(50) + 'not json\n';
    const path = file('self.ndjson', text);
    const r = await run([path, '--rejects', path, '--write=allow', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is the file being imported/);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(received()).toHaveLength(0);
  });

  it('a reject file in a missing folder, or a folder, is refused before anything is sent (exit 2)', async () => {
    const path = file('nowhere.ndjson', lines(5) + 'not json\n');
    for (const rejects of [join(dir, 'missing', 'r.ndjson'), dir]) {
      const r = await run([path, '--rejects', rejects, '--write=allow', '--json']);
      expect(r.code, rejects).toBe(2);
      expect(r.stderr, rejects).toMatch(/does not exist|is a folder/);
    }
    expect(received()).toHaveLength(0);
  });

  it('two inputs with one name and two extensions keep their own reject files', async () => {
    const a = file('same.ndjson', `${track(1)}\nnot json\n`);
    const b = file('same.csv', 'type,userId,event,timestamp,properties.seq:number\ntrack,u2,Order Completed,2025-06-01T12:00:00Z,two\ntrack,u3,Order Completed,2025-06-01T12:00:00Z,three\n');
    const r = await run([a, b, '--write=allow', '--json']);
    expect(r.summary()).toMatchObject({ complete: true, accepted: 1, rejected: 3 });
    expect(rejectLines(`${a}.rejects.ndjson`)).toHaveLength(1);
    expect(rejectLines(`${b}.rejects.ndjson`)).toHaveLength(2);
  });

  it('a record over 32 KB is rejected alone; the records around it are sent', async () => {
    const rows = Array.from({ length: 10 }, (_, k) => (k === 4 ? track(5, { properties: { seq: 5, blob: 'x'.repeat(6_000_000) } }) : track(k + 1)));
    const path = file('big.ndjson', rows.join('\n') + '\n');
    const r = await run([path, '--write=allow', '--json']);
    expect(r.summary()).toMatchObject({ complete: true, accepted: 9, rejected: 1 });
    expect(seqs().sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10]);
    const [reject] = rejectLines(`${path}.rejects.ndjson`);
    expect(reject).toMatchObject({ line: 5, reason: expect.stringMatching(/Segment refuses a message over 32,768 bytes/) });
  }, 60_000);

  it('a CSV whose header changed since its import is refused, not sent again under new ids; --restart sends it anew', async () => {
    const head = 'type,userId,event,timestamp,properties.seq:number\n';
    const body = ['track,u1,Order Completed,2025-06-01T12:00:00Z,1', 'track,u2,Order Completed,2025-06-01T12:00:00Z,six'].join('\n') + '\n';
    const path = file('header.csv', head + body);
    const first = await run([path, '--write=allow', '--json']);
    expect(first.summary()).toMatchObject({ accepted: 1, rejected: 1 });
    sb.reset();
    writeFileSync(path, head.replace(':number', '') + body);
    const again = await run([path, '--write=allow', '--json'], first.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/another header row.*--restart/s);
    expect(received()).toHaveLength(0);
    const restart = await run([path, '--write=allow', '--json', '--restart'], first.env);
    expect(restart.summary()).toMatchObject({ accepted: 2, rejected: 0 });
  });

  it('a file edited near its start since it was imported is refused when it grew, not taken up where it stopped', async () => {
    const path = file('edited.ndjson', lines(500));
    const first = await run([path, '--write=allow', '--json']);
    expect(first.summary()).toMatchObject({ accepted: 500 });
    // Line 3 edited in place (same length), and lines added: the resume would miss the edit.
    const text = readFileSync(path, 'utf8').replace('"u3"', '"x3"');
    writeFileSync(path, text + lines(5, 501));
    sb.reset();
    const again = await run([path, '--write=allow', '--json'], first.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/changed since the last import/);
    expect(received()).toHaveLength(0);
  });

  it('a last line still being written is read again, whole, by the next run: no event lost, none under two ids', async () => {
    const path = file('growing.ndjson', lines(3) + track(4).slice(0, 30));
    const first = await run([path, '--write=allow', '--json']);
    expect(first.summary()).toMatchObject({ accepted: 3, rejected: 1 });
    appendFileSync(path, track(4).slice(30) + '\n' + track(5) + '\n');
    const again = await run([path, '--write=allow', '--json'], first.env);
    expect(again.summary()).toMatchObject({ complete: true, accepted: 5, rejected: 0 });
    expect(seqs()).toEqual([1, 2, 3, 4, 5]);
    // The stale reject of the half line is gone with the checkpoint that counted it.
    expect(existsSync(`${path}.rejects.ndjson`) ? readFileSync(`${path}.rejects.ndjson`, 'utf8') : '').toBe('');
    // Unchanged since: already imported, nothing sent (blank lines at the end too).
    appendFileSync(path, '\n\n');
    await run([path, '--write=allow', '--json'], first.env);
    sb.reset();
    const third = await run([path, '--write=allow', '--json'], first.env);
    expect(third.summary().files[0]).toMatchObject({ already_imported: true });
    expect(received()).toHaveLength(0);
  });

  it('a stray quote inside a CSV cell rejects its own row only, in time linear in the file', async () => {
    const head = 'type,userId,event,timestamp,properties.size\n';
    const row = (i: number, size: string) => `track,u${i},Order Completed,2025-06-01T12:00:00Z,${size}`;
    const path = file('quote.csv', head + [row(1, '4'), row(2, '5" screen'), ...Array.from({ length: 8 }, (_, k) => row(k + 3, String(k)))].join('\n') + '\n');
    const r = await run([path, '--write=allow', '--json']);
    expect(r.summary()).toMatchObject({ complete: true, accepted: 9, rejected: 1 });
    expect(rejectLines(`${path}.rejects.ndjson`)).toMatchObject([{ line: 3, reason: expect.stringMatching(/quote inside a field/) }]);
    // A quote that is never closed: one reject for the rest of the file, read in bounded memory.
    const big = file('unclosed.csv', head + row(1, '"never closed') + '\n' + Array.from({ length: 60_000 }, (_, k) => row(k + 2, 'x'.repeat(40))).join('\n') + '\n');
    const started = Date.now();
    const u = await run([big, '--write=allow', '--json']);
    expect(u.summary()).toMatchObject({ accepted: 0, rejected: 1 });
    expect(rejectLines(`${big}.rejects.ndjson`)[0].reason).toMatch(/longer than 1 MB/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('a secret cut at the reject file\'s record limit is masked, not left half-written', async () => {
    const record = JSON.stringify({ type: 'track', userId: 'u1', event: 'E', timestamp: TS, note: 'y'.repeat(100_000 - 40) + WRITE_KEY, extra: 1 });
    const path = file('secret.ndjson', `${record}\n`);
    await run([path, '--write=allow', '--json']);
    const text = readFileSync(`${path}.rejects.ndjson`, 'utf8');
    expect(text).not.toContain(WRITE_KEY.slice(0, 12));
  });

  it('a JSON reason says what is wrong without quoting the broken line in pieces', async () => {
    const path = file('broken.ndjson', `${track(1)}\n{"broken": }\n`);
    await run([path, '--write=allow', '--json']);
    expect(rejectLines(`${path}.rejects.ndjson`)[0].reason).toBe("not JSON (Unexpected token '}', (input) is not valid JSON)");
  });
});
