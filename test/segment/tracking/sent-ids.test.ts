import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { WriteEvent } from '../../../src/execution/executor.js';
import { appWithSandbox } from '../../helpers/inprocess.js';
import { readAuditLines } from '../../helpers/audit-file.js';

type Env = Awaited<ReturnType<typeof appWithSandbox>>;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe("a batch's message ids in the audit log", () => {
  it('are hashed request by request: the digest is that of every id sent, joined by newlines, in the call\'s order', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'off' });
    const events: WriteEvent[] = [];
    const record = env.app.audit.record.bind(env.app.audit);
    env.app.audit.record = (e) => {
      events.push(e);
      record(e);
    };
    // Three requests (2,500 messages each at most), some with the client's own ids.
    const batch = Array.from({ length: 6_000 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'Item Viewed', ...(i % 7 ? {} : { messageId: `mine-${i}` }) }));
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(r.successful).toBe(true);
    const [event] = events;
    expect(event!.messageIds).toHaveLength(6_000);
    expect(new Set(event!.messageIds)).toEqual(new Set(env.sandbox.events.map((e) => e.messageId)));
    expect(event!.messageIdsSha256).toBe(sha256(event!.messageIds!.join('\n')));
    const [line] = readAuditLines(env.app.audit.path);
    expect(line.message_ids).toEqual({ first: event!.messageIds![0], last: event!.messageIds!.at(-1), sha256: event!.messageIdsSha256 });
  });

  // Found by an adversarial review (2026-12-07): the digest followed the order the answers came in, so with
  // the first request answered last it matched no list of the call's ids.
  it('are in the call\'s order when a later request is answered first', async () => {
    env = await appWithSandbox({ write: 'allow', validate: 'off' });
    const events: WriteEvent[] = [];
    env.app.audit.record = (e) => void events.push(e);
    env.sandbox.faults.add({ path: '/v1/batch', match: '"u0"', delayMs: 400 });
    const batch = Array.from({ length: 6_000 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'Item Viewed', ...(i % 7 ? {} : { messageId: `mine-${i}` }) }));
    const r = await env.app.executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch } });
    expect(r.successful).toBe(true);
    const prefix = (r.data as { message_id_prefix: string }).message_id_prefix;
    const inOrder = batch.map((m, i) => m.messageId ?? `${prefix}${i}`);
    expect(env.sandbox.events[0]!.userId).not.toBe('u0'); // the first request was answered after another
    expect(events[0]!.messageIds).toEqual(inOrder);
    expect(events[0]!.messageIdsSha256).toBe(sha256(inOrder.join('\n')));
  });
});
