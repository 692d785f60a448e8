import { afterEach, describe, expect, it } from 'vitest';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { callTool, sandboxEnv, startRouter, TOKEN, WRITE_KEY, type RouterHandle } from '../helpers/router.js';

/**
 * Long work as MCP tasks, end to end: the SDK's client against the built server over stdio. A large
 * SEGMENT_BATCH runs as a task the client polls; the server answers other calls meanwhile; tasks/cancel
 * stops the sending; a call without `task` stays synchronous with progress notifications.
 */

const batch = (n: number, run: string) => Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u-${i % 50}`, event: 'Order Completed', properties: { run, n: i, pad: 'x'.repeat(200) } }));
const batchRequests = (sb: Sandbox) => sb.requests.filter((r) => r.path === '/v1/batch').length;

async function until(check: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A SEGMENT_BATCH of `n` events started as a task; answers its stream and its task id once the task is created. */
async function startBatchTask(client: RouterHandle['client'], n: number, run: string, onprogress?: () => void) {
  const stream = client.experimental.tasks.callToolStream(
    { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: batch(n, run) } } },
    undefined,
    { timeout: 120_000, ...(onprogress ? { onprogress } : {}) },
  );
  const first = await stream.next();
  expect(first.value?.type).toBe('taskCreated');
  return { stream, taskId: (first.value as { task: { taskId: string } }).task.taskId };
}

describe('EXECUTE_TOOL as an MCP task', () => {
  let sb: Sandbox | undefined;
  let router: RouterHandle | undefined;
  afterEach(async () => {
    await router?.close();
    await sb?.close();
    router = sb = undefined;
  });

  async function start(delayMs: number) {
    sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    // Slow answers from Segment, so the batch is still running while the test looks at it.
    sb.faults.add({ path: '/v1/batch', delayMs, times: 1_000 });
    router = await startRouter({ args: ['--write=allow'], env: sandboxEnv(sb, { SEGMENT_ROUTER_TIMEOUT_MS: '30000' }) });
    return { sb, client: router.client };
  }

  it('lists EXECUTE_TOOL and RUN_SCRIPT as taking tasks, and nothing else', async () => {
    const { client } = await start(0);
    expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).toBeDefined();
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    expect(byName).toEqual({ SEARCH_TOOLS: 'forbidden', MANAGE_CONNECTIONS: 'forbidden', EXECUTE_TOOL: 'optional', RUN_SCRIPT: 'optional' });
  });

  it('a large batch runs as a task the client polls, with progress, while the server keeps answering', async () => {
    const { sb, client } = await start(1_000);
    await client.listTools(); // the client learns which tools take tasks
    const progress: number[] = [];
    const stream = client.experimental.tasks.callToolStream(
      { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: batch(12_000, 'task') } } },
      undefined,
      { timeout: 120_000, onprogress: (p) => progress.push(p.progress) },
    );
    const seen: string[] = [];
    let result: CallToolResult | undefined;
    let taskId: string | undefined;
    for await (const message of stream) {
      seen.push(message.type === 'taskStatus' ? `status:${message.task.status}` : message.type);
      if (message.type === 'taskCreated') {
        taskId = message.task.taskId;
        // Answered before the batch is sent: the task is working, and other calls are answered at once.
        expect(batchRequests(sb)).toBeLessThan(5);
        const search = await callTool(client, 'SEARCH_TOOLS', { queries: [{ use_case: 'send a track event' }] });
        expect(search.result.isError).toBeFalsy();
        expect((await client.experimental.tasks.getTask(taskId)).status).toBe('working');
      }
      if (message.type === 'result') result = message.result as CallToolResult;
      if (message.type === 'error') throw message.error;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(seen).toContain('status:working');
    expect(seen.at(-2)).toBe('status:completed');
    expect((result!.structuredContent as any).data.accepted).toBe(12_000);
    expect(sb.events.filter((e) => (e.message.properties as any)?.run === 'task')).toHaveLength(12_000);
    // Progress notifications still reach the request's progress token while the task runs.
    // (The last one may race the end of the task: the client drops progress once the task is over.)
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(Math.max(...progress)).toBeLessThanOrEqual(12_000);
    // The result stays readable by its task id.
    const again = (await client.experimental.tasks.getTaskResult(taskId!, CallToolResultSchema)) as CallToolResult;
    expect((again.structuredContent as any).data.accepted).toBe(12_000);
  }, 180_000);

  it('tasks/cancel stops the sending: no request reaches Segment after the cancel', async () => {
    const { sb, client } = await start(1_000);
    await client.listTools();
    const { stream, taskId } = await startBatchTask(client, 15_000, 'cancel');
    await until(() => batchRequests(sb) >= 1);
    const cancelled = await client.experimental.tasks.cancelTask(taskId);
    expect(cancelled.status).toBe('cancelled');
    const atCancel = batchRequests(sb);
    // The batch needs 10+ requests; after the cancel, none more are started. Requests already on their
    // way (at most the 4 in flight) may still reach the sink after `atCancel` was read, on a busy machine.
    await new Promise((r) => setTimeout(r, 2_500));
    const after = batchRequests(sb);
    expect(after - atCancel).toBeLessThanOrEqual(4);
    expect(after).toBeLessThan(10);
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe('cancelled');
    await stream.return(undefined);
    // The server goes on serving.
    const track = await callTool(client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: { userId: 'u1', event: 'Signed Up' } });
    expect(track.structured.successful).toBe(true);
  }, 120_000);

  it('after tasks/cancel no progress is reported, and tasks/result tells what was accepted before it and what was never sent', async () => {
    const { sb, client } = await start(1_000);
    await client.listTools();
    const { stream, taskId } = await startBatchTask(client, 15_000, 'told', () => undefined);
    await until(() => batchRequests(sb) >= 1);
    expect((await client.experimental.tasks.cancelTask(taskId)).status).toBe('cancelled');
    const wire = router!.received as { method?: string; result?: { status?: string }; params?: { progress?: number } }[];
    const cancelledAt = wire.findIndex((m) => m.result?.status === 'cancelled');
    // Before: the worker went on taking every remaining chunk, posting nothing, and reported each as done (up to 15,000 of 15,000).
    const result = (await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)) as CallToolResult;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(wire.slice(cancelledAt).filter((m) => m.method === 'notifications/progress')).toEqual([]);
    const data = (result.structuredContent as any).data;
    const delivered = new Set(sb.events.filter((e) => (e.message.properties as any)?.run === 'told').map((e) => e.messageId)).size;
    expect(result.isError).toBe(true);
    // Requests on their way at the cancel are cut (a repeat must find the journal run free): what they
    // delivered may count as not accepted, never the other way round.
    expect(data.accepted).toBeLessThanOrEqual(delivered);
    // Every message is accounted for (the list itself is cut to the answer's size; its ranges are whole).
    const notAccepted = data.not_accepted_ranges.reduce((n: number, [from, to]: [number, number]) => n + to - from + 1, 0);
    expect(data.accepted + notAccepted).toBe(15_000);
    // Only the requests started before the cancel count: the rest were never sent, nor pretended to be.
    expect(data.requests).toBeLessThanOrEqual(batchRequests(sb) + 4);
    expect(data.requests).toBeLessThan(10);
    await stream.return(undefined);
  }, 120_000);

  it('a cancelled task\'s call repeated at once sends nothing twice under new ids', async () => {
    const { sb, client } = await start(700);
    await client.listTools();
    const { stream, taskId } = await startBatchTask(client, 12_000, 'again');
    const args = { tool_slug: 'SEGMENT_BATCH', arguments: { batch: batch(12_000, 'again') } };
    await until(() => batchRequests(sb) >= 1);
    await client.experimental.tasks.cancelTask(taskId);
    // The agent repeats the call at once, while the cancelled one may still wind down.
    const again = await callTool(client, 'EXECUTE_TOOL', args, { timeout: 120_000 });
    expect(again.structured.successful).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    const kept = sb.events.filter((e) => (e.message.properties as any)?.run === 'again' && !e.dropped);
    // Before: the requests on their way at the cancel were let finish while the repeat, finding the
    // journal run still held, sent everything under new ids: their messages arrived twice.
    expect(new Set(kept.map((e) => (e.message.properties as any).n)).size).toBe(12_000);
    expect(kept).toHaveLength(12_000);
    await stream.return(undefined);
  }, 120_000);

  it('a task asked of a tool that takes none is refused before the tool runs', async () => {
    const { client } = await start(0);
    await client.listTools();
    const asked = client.request({ method: 'tools/call', params: { name: 'MANAGE_CONNECTIONS', arguments: { action: 'status' }, task: { ttl: 60_000 } } }, CallToolResultSchema);
    // Before: it ran, and then the SDK refused its answer as no task (-32602 "Invalid task creation result").
    await expect(asked).rejects.toMatchObject({ code: -32601, message: expect.stringMatching(/MANAGE_CONNECTIONS does not run as a task.*Nothing was run/) });
    expect((await callTool(client, 'SEARCH_TOOLS', { queries: [{ use_case: 'send a track event' }] })).result.isError).toBeFalsy();
  });

  it('a call without a task stays synchronous, with progress notifications', async () => {
    const { client } = await start(50);
    const progress: number[] = [];
    const r = await callTool(client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_BATCH', arguments: { batch: batch(6_000, 'sync') } }, { timeout: 120_000, onprogress: (p) => progress.push(p.progress) });
    expect(r.structured.data.accepted).toBe(6_000);
    expect(r.result).not.toHaveProperty('task');
    expect(progress.length).toBeGreaterThan(1);
    expect(Math.max(...progress)).toBeLessThanOrEqual(6_000);
  }, 120_000);
});
