import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { MAX_DEPTH } from '../../src/execution/argument-values.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { appWithSandbox, writesSeen } from '../helpers/inprocess.js';
import { RawRouter } from '../helpers/raw-rpc.js';
import { sandboxEnv, TOKEN, WRITE_KEY } from '../helpers/router.js';
import { startSandbox } from '../../src/sandbox/server.js';

/**
 * Bad input once answered "internal ... This is a bug" (a lone surrogate in a path parameter,
 * arguments nested 10,000 deep), and some values changed silently on the way to Segment (1e400 as
 * null, lone surrogates forwarded, 30-digit integers rounded). Each is now a validation error naming
 * the field, decided before anything else runs, or a warning in the answer.
 */

let env: { app: App; sandbox: Sandbox; close(): Promise<void> };
beforeAll(async () => {
  env = await appWithSandbox({ write: 'allow', allowDestructive: true });
});
afterAll(() => env.close());

const nested = (depth: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
};

async function refused(slug: string, args: unknown, field: RegExp) {
  const before = writesSeen(env.sandbox).length;
  const res = await env.app.executor.execute({ slug, arguments: args });
  const where = JSON.stringify(res).slice(0, 400);
  expect(res.successful, where).toBe(false);
  expect(res.error?.kind, where).toBe('validation');
  expect(res.error?.message, where).not.toMatch(/bug/i);
  expect((res.error?.details as { issues: { field: string }[] }).issues[0]!.field, where).toMatch(field);
  expect(writesSeen(env.sandbox)).toHaveLength(before);
  return res;
}

describe('validation errors, not internal ones', () => {
  it('a lone surrogate in a path parameter names the parameter', async () => {
    await refused('SEGMENT_GET_SOURCE', { sourceId: 'src_\uD800' }, /^sourceId$/);
    await refused('SEGMENT_DELETE_SOURCE', { sourceId: '\uDC00abc' }, /^sourceId$/);
  });

  it('arguments nested 10,000 deep name the depth limit, as an object or as a JSON string', async () => {
    const text = `{"userId":"u","event":"Deep","properties":${'{"d":'.repeat(10_000)}"bottom"${'}'.repeat(10_000)}}`;
    for (const args of [{ userId: 'u', event: 'Deep', properties: nested(10_000) }, text]) {
      const res = await refused('SEGMENT_TRACK', args, /^properties\./);
      expect(res.error?.message).toContain(`deeper than ${MAX_DEPTH}`);
    }
    // Nesting within the limit still goes through.
    const ok = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Shallow', properties: nested(20) } });
    expect(ok.successful).toBe(true);
  });
});

describe('values that would change on the way', () => {
  it('non-finite numbers (1e400 parses as Infinity) are refused naming the field', async () => {
    await refused('SEGMENT_TRACK', '{"userId":"u","event":"E","properties":{"big":1e400}}', /^properties\.big$/);
    await refused('SEGMENT_TRACK', { userId: 'u', event: 'E', properties: { neg: -Infinity } }, /^properties\.neg$/);
    await refused('SEGMENT_TRACK', { userId: 'u', event: 'E', properties: { nan: NaN } }, /^properties\.nan$/);
  });

  it('a number too small for a double (1e-400 parses as 0) is refused naming the field; a string holding one is not', async () => {
    const res = await refused('SEGMENT_TRACK', '{"userId":"u","event":"E","properties":{"ok":1e-5,"list":[0.5,-2.5e-999]}}', /^properties\.list\.1$/);
    expect(res.error?.message).toContain('-2.5e-999');
    const long = `{"userId":"u","event":"E","properties":{"tiny":0.${'0'.repeat(400)}1}}`;
    await refused('SEGMENT_TRACK', long, /^properties\.tiny$/);
    // Zero is zero, in any spelling; text that looks like a tiny number is text.
    const ok = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: '{"userId":"u","event":"E","properties":{"z":0e-400,"zz":0.000,"s":"1e-400","e\\"1e-400":"x"}}' });
    expect(ok.successful, JSON.stringify(ok)).toBe(true);
  });

  it('lone surrogates in values and in field names are refused naming the field', async () => {
    await refused('SEGMENT_TRACK', { userId: 'u', event: 'E\uD83D' }, /^event$/);
    await refused('SEGMENT_IDENTIFY', { userId: 'u', traits: { ['n\uDE00']: 1 } }, /^traits\.n/);
    // A whole pair is a character, and goes through.
    const ok = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: { userId: 'u', event: 'Smile \uD83D\uDE00' } });
    expect(ok.successful).toBe(true);
  });

  it('an integer past 2^53 is sent, with a warning in the answer naming the field', async () => {
    const res = await env.app.executor.execute({ slug: 'SEGMENT_TRACK', arguments: '{"userId":"u","event":"Big","properties":{"order_id":123456789012345678901234567890,"small":42}}' });
    expect(res.successful).toBe(true);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings![0]).toMatch(/^properties\.order_id: .*2\^53.*as strings/);
  });
});

describe('through the binary on stdio', () => {
  it('deep nesting and a lone surrogate come back as validation errors; the server keeps serving', async () => {
    const sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    const raw = new RawRouter(['--write=allow'], sandboxEnv(sb));
    try {
      await raw.initialize();
      let deep = '"x"';
      for (let i = 0; i < 10_000; i++) deep = `{"d":${deep}}`;
      await raw.write(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_TRACK","arguments":{"userId":"u","event":"E","properties":${deep}}}}}\n`);
      const a = (await raw.response(1, 20_000)).result.structuredContent;
      expect(a.error.kind).toBe('validation');
      await raw.write('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_GET_SOURCE","arguments":{"sourceId":"s\\ud800"}}}}\n');
      const b = (await raw.response(2, 20_000)).result.structuredContent;
      expect(b.error.kind).toBe('validation');
      expect(b.error.details.issues[0].field).toBe('sourceId');
      await raw.write('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"EXECUTE_TOOL","arguments":{"tool_slug":"SEGMENT_TRACK","arguments":{"userId":"u","event":"E","properties":{"tiny":1e-400}}}}}\n');
      const c = (await raw.response(4, 20_000)).result.structuredContent;
      expect(c.error.kind).toBe('validation');
      expect(c.error.details.issues[0].field).toBe('properties.tiny');
      expect((await raw.execute(3, 'SEGMENT_TRACK', { userId: 'u', event: 'Alive' })).successful).toBe(true);
      expect(sb.events.map((e) => e.event)).toEqual(['Alive']);
    } finally {
      await raw.stop();
      await sb.close();
    }
  });
});
