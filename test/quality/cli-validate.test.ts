import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli-process.js';
import { expectNoSecrets, sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';

let sb: Sandbox;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'sr-validate-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const MESSAGES = [
  { type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'o1', revenue: 10 } },
  { type: 'track', userId: 'u2', event: 'Order Completed', properties: { revenue: 'ten' } },
  { type: 'track', userId: 'u3', event: 'signed up', properties: { plan: 'pro', PlanName: 'x' } },
  { type: 'track', userId: 'u4', event: 'Signed Up', properties: { plan: 'pro', note: 'ada@example.com' } },
];

beforeAll(async () => {
  sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
  env = sandboxEnv(sb, { SEGMENT_ROUTER_LOG_LEVEL: 'warn' });
});
afterAll(() => sb.close());

async function validate(args: string[]) {
  const r = await runCli(['validate', ...args], { env });
  expectNoSecrets(r.stdout, r.stderr);
  return r;
}

describe('segment-router validate FILE', () => {
  it('NDJSON: a summary table of the findings, nothing sent, exit 1 when a message breaks the plan', async () => {
    const path = file('events.ndjson', MESSAGES.map((m) => JSON.stringify(m)).join('\n') + '\nnot json\n');
    const r = await validate([path]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('Checked 4 of 5 messages');
    expect(r.stdout).toContain('nothing was sent');
    expect(r.stdout).toContain('Tracking plan "Main plan" (tp_main, source src_web');
    expect(r.stdout).toMatch(/tracking_plan\s+error\s+1\s+properties\.order_id/);
    expect(r.stdout).toMatch(/naming\s+warning\s+1\s+event\s+.*-> Signed Up/);
    expect(r.stdout).toMatch(/pii\s+warning\s+1\s+properties\.note/);
    expect(r.stdout).toContain('line 5: not JSON');
    expect(r.stdout).not.toContain('ada@example.com');
    expect(sb.events).toHaveLength(0);
  });

  it('a JSON array, read as a stream, --json: counts, groups and each finding with its item and the line it starts on', async () => {
    const path = file('events.json', JSON.stringify(MESSAGES.slice(2), null, 2));
    const r = await validate([path, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ format: 'json', messages: 2, messages_checked: 2, tracking_plan: { status: 'applied', id: 'tp_main' }, findings_summary: { errors: 0, warnings: 4 } });
    expect(out.findings.map((f: { item: number; line: number; kind: string; field: string }) => [f.item, f.line, f.kind, f.field])).toEqual([
      [1, 2, 'tracking_plan', 'event'],
      [1, 2, 'naming', 'event'],
      [1, 2, 'naming', 'properties.PlanName'],
      [2, 11, 'pii', 'properties.note'],
    ]);
  });

  it('--type fills in the type of messages without one; --source-id picks another source\'s plan', async () => {
    const path = file('tracks.ndjson', JSON.stringify({ userId: 'u1', event: 'Order Completed', properties: {} }) + '\n');
    const r = await validate([path, '--type', 'track', '--json']);
    expect(JSON.parse(r.stdout).findings_summary.errors).toBe(2);
    const other = await validate([path, '--type', 'track', '--source-id', 'src_ios', '--json']);
    expect(JSON.parse(other.stdout).tracking_plan).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('has no tracking plan connected') });
    expect(JSON.parse(other.stdout).tracking_plan.no_plan).toBe(true);
    expect(other.code).toBe(0);
    // A source id mistyped: the plan asked for was not read, which is no pass (a new user's walk, 2026-12-07: exit 0).
    const typo = await validate([path, '--type', 'track', '--source-id', 'src_webb']);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(/The tracking plan of --source-id src_webb was not read/);
    const typoJson = await validate([path, '--type', 'track', '--source-id', 'src_webb', '--json']);
    expect(typoJson.code).toBe(1);
    expect(JSON.parse(typoJson.stdout).plan_not_read).toMatch(/src_webb/);
    // An empty id is a usage error, not the write key's source (the review of the mends).
    const empty = await validate([path, '--type', 'track', '--source-id', '']);
    expect([empty.code, empty.stderr]).toEqual([2, expect.stringContaining('--source-id is empty')]);
  });

  it('without a token: naming and PII only, and it says why', async () => {
    const path = file('one.ndjson', JSON.stringify(MESSAGES[2]) + '\n');
    const r = await runCli(['validate', path], { env: { ...env, SEGMENT_PUBLIC_API_TOKEN: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No tracking plan available: no Public API token/);
    expect(r.stdout).toMatch(/naming\s+warning/);
  });

  it('CSV, through the import\'s reader: a header of field paths, findings by line, a bad row named by its line', async () => {
    const path = file('events.csv', 'type,userId,event,properties.order_id,properties.revenue,properties.note\ntrack,u1,Order Completed,o1,10,\ntrack,u2,Order Completed,,ten,\ntrack,u3,signed up,,,\ntrack,u4,Signed Up,,,ada@example.com\ntrack,u5\n');
    const r = await validate([path, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ format: 'csv', messages: 5, messages_checked: 4, tracking_plan: { status: 'applied', id: 'tp_main' } });
    // Line 2's revenue is typed as a number (no finding); line 3's "ten" stays text and breaks the plan.
    expect(out.findings.filter((f: { kind: string }) => f.kind !== 'naming').map((f: { line: number; kind: string; field: string }) => [f.line, f.kind, f.field])).toEqual([
      [3, 'tracking_plan', 'properties.order_id'],
      [3, 'tracking_plan', 'properties.revenue'],
      [4, 'tracking_plan', 'event'],
      [5, 'tracking_plan', 'properties.plan'],
      [5, 'pii', 'properties.note'],
    ]);
    expect(out.invalid_messages).toEqual([{ line: 6, reason: 'has 2 fields, the header has 6' }]);
    expect(r.stdout).not.toContain('ada@example.com');
    expect(sb.events).toHaveLength(0);
  });

  // Found by a new user's walk (2026-12-07): a record without a type read "line 2: line 2.type: must be one
  // of the listed variants", a CSV value of the wrong type was told to be sent as another type (which a
  // CSV cell cannot say), and counts of one read "1 errors in 1 messages".
  it('people\'s words: a record without a type says how to give it one; a CSV type finding names the header\'s suffix; counts of one are singular', async () => {
    const nd = file('untyped.ndjson', JSON.stringify({ type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 8, revenue: 1 } }) + '\n' + JSON.stringify({ userId: 'u1', event: 'Signed Up' }) + '\n');
    const r = await validate([nd]);
    expect(r.stdout).toContain('line 2: no "type": give the record a "type" field');
    expect(r.stdout).not.toContain('line 2.type');
    expect(r.stdout).toContain('1 error in 1 message (kept back');
    expect(r.stdout).toContain('1 message the Tracking API would refuse');
    // Found by an adversarial review (2026-12-07): what import refuses (nested past 64 levels) validate passed.
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const nested = await validate([file('deep.ndjson', JSON.stringify({ type: 'track', userId: 'u1', event: 'Order Completed', properties: { deep } }) + '\n')]);
    expect(nested.code).toBe(1);
    expect(nested.stdout).toMatch(/line 1: properties\.deep\.d.* nests deeper than 64 levels/);
    // Found by the review of the mends (2026-12-07): "[,]" read "Checked 0 of 2 messages ... 2 messages the Tracking API would refuse".
    const slots = await validate([file('slots.json', '[,]')]);
    expect(slots.code).toBe(1);
    expect(slots.stdout).toContain('Checked 0 of 0 messages');
    expect(slots.stdout).toContain("Not messages (the file's layout, 2):");
    const many = await validate([file('many-slots.json', `[${','.repeat(30)}]`)]);
    expect(many.stdout).toContain('... and 21 more (--json lists them).');
    expect(slots.stdout).not.toContain('the Tracking API would refuse');
    const csv = file('typed.csv', 'type,userId,event,properties.order_id,properties.revenue:number\ntrack,u1,Order Completed,8,3\n');
    const c = await validate([csv]);
    expect(c.stdout).toContain('send properties.order_id as string (in the CSV header, name the column properties.order_id:string)');
  });

  // Found by an adversarial review (2026-12-07): every refused record was kept (1M bad lines: 343 MB) and
  // every field got a group of its own (keys that differ by line: 300,000 lines took 1.7 GB, 192 MB of JSON).
  it('keeps what it lists bounded: the first 1,000 refused records with the count of all, at most 1,000 groups of findings', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2_500; i++) lines.push(JSON.stringify({ type: 'track', userId: `u${i}`, event: 'Item Viewed', properties: { [`SkuCode${i}`]: 1 } }));
    for (let i = 0; i < 1_200; i++) lines.push(JSON.stringify({ type: 'track', event: 'Item Viewed' }));
    const path = file('many.ndjson', lines.join('\n') + '\n');
    const r = await validate([path, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.findings_summary.invalid_messages).toBe(1_200);
    expect(out.invalid_messages).toHaveLength(1_000);
    expect(out.invalid_messages_listed).toBe(1_000);
    expect(out.groups.length).toBeLessThanOrEqual(1_005);
    const other = out.groups.find((g: { field: string }) => g.field.startsWith('(other fields'));
    expect(other.count).toBeGreaterThanOrEqual(1_500);
    expect(out.groups.reduce((n: number, g: { count: number }) => n + g.count, 0)).toBe(out.findings_summary.errors + out.findings_summary.warnings);
    const text = await validate([path]);
    expect(text.stdout).toContain('... and 1,190 more (--json lists the first 1,000).');
  }, 60_000);

  it('usage errors exit 2: a missing file, a file that is not the CSV it claims, a bad --type, a JSON file that is not an array', async () => {
    const missing = await validate([join(dir, 'missing.ndjson')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/no such file/)]);
    const notCsv = await validate([file('e.csv', '{"userId":"u1","event":"Signed Up"}\n')]);
    expect([notCsv.code, notCsv.stderr]).toEqual([2, expect.stringContaining('looks like JSON, not CSV')]);
    expect((await validate([file('a.ndjson', '{}'), '--type', 'purchase'])).code).toBe(2);
    const obj = await validate([file('obj.json', '{"type":"track"}'), '--format', 'json']);
    expect([obj.code, obj.stderr]).toEqual([2, expect.stringContaining('is not a JSON array')]);
    expect(obj.stderr).toContain('Nothing was sent.');
    expect((await validate([])).code).toBe(2);
  });
});
