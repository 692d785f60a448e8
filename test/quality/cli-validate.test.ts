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

  it('a JSON array, --json: counts, groups and each finding with its line', async () => {
    const path = file('events.json', JSON.stringify(MESSAGES.slice(2)));
    const r = await validate([path, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ format: 'json', messages: 2, messages_checked: 2, tracking_plan: { status: 'applied', id: 'tp_main' }, findings_summary: { errors: 0, warnings: 4 } });
    expect(out.findings.map((f: { line: number; kind: string; field: string }) => [f.line, f.kind, f.field])).toEqual([
      [1, 'tracking_plan', 'event'],
      [1, 'naming', 'event'],
      [1, 'naming', 'properties.PlanName'],
      [2, 'pii', 'properties.note'],
    ]);
  });

  it('--type fills in the type of messages without one; --source-id picks another source\'s plan', async () => {
    const path = file('tracks.ndjson', JSON.stringify({ userId: 'u1', event: 'Order Completed', properties: {} }) + '\n');
    const r = await validate([path, '--type', 'track', '--json']);
    expect(JSON.parse(r.stdout).findings_summary.errors).toBe(2);
    const other = await validate([path, '--type', 'track', '--source-id', 'src_ios', '--json']);
    expect(JSON.parse(other.stdout).tracking_plan).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('has no tracking plan connected') });
    expect(other.code).toBe(0);
  });

  it('without a token: naming and PII only, and it says why', async () => {
    const path = file('one.ndjson', JSON.stringify(MESSAGES[2]) + '\n');
    const r = await runCli(['validate', path], { env: { ...env, SEGMENT_PUBLIC_API_TOKEN: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No tracking plan available: no Public API token/);
    expect(r.stdout).toMatch(/naming\s+warning/);
  });

  it('usage errors exit 2: a missing file, CSV, a bad --type, a JSON file that is not an array', async () => {
    const missing = await validate([join(dir, 'missing.ndjson')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/no such file/)]);
    const csv = await validate([file('e.csv', 'userId,event\nu1,Signed Up\n')]);
    expect([csv.code, csv.stderr]).toEqual([2, expect.stringContaining('CSV')]);
    expect((await validate([file('a.ndjson', '{}'), '--type', 'purchase'])).code).toBe(2);
    const obj = await validate([file('obj.json', '{"type":"track"}'), '--format', 'json']);
    expect([obj.code, obj.stderr]).toEqual([2, expect.stringContaining('not an array')]);
    expect((await validate([])).code).toBe(2);
  });
});
