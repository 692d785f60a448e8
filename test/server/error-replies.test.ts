import { describe, expect, it } from 'vitest';
import { boundedMessage, tidyReply } from '../../src/server/error-replies.js';

describe('error replies as they go out', () => {
  it('the SDK\'s issue dump for params that do not fit the schema becomes -32602 with one clause per issue', () => {
    const dump = JSON.stringify([{ expected: 'string', code: 'invalid_type', path: ['params', 'taskId'], message: 'Invalid input: expected string, received number' }], null, 2);
    const out = tidyReply({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: dump } }) as any;
    expect(out.error.code).toBe(-32602);
    expect(out.error.message).toBe('Invalid params: params.taskId: expected string, received number. The request does not fit the MCP schema of its method; nothing was run.');
  });

  it('an internal error that is not an issue list keeps its code and words', () => {
    const m = { jsonrpc: '2.0' as const, id: 1, error: { code: -32603, message: '[not json' } };
    expect(tidyReply(m)).toBe(m);
    const ok = { jsonrpc: '2.0' as const, id: 1, result: { text: 'x'.repeat(5_000) } };
    expect(tidyReply(ok as any)).toBe(ok);
  });

  it('a long echo of what the client sent is cut to its start and length; the message stays bounded whatever the input', () => {
    const id = 'z'.repeat(5_000_000);
    const out = tidyReply({ jsonrpc: '2.0', id: 5, error: { code: -32602, message: `MCP error -32602: Task not found: ${id}` } }) as any;
    expect(out.error.message.length).toBeLessThan(400);
    expect(out.error.message).toContain('zzz... (5,000,000 characters)');
    expect(out.error.message).toMatch(/use the taskId of the tools\/call answer/);
    expect(boundedMessage('word '.repeat(10_000)).length).toBeLessThanOrEqual(1_010);
  });

  // Found by a review (2026-12-07): over HTTP the hint sent the client to tasks/list, which lists nothing
  // there; behind a load balancer the likely cause is another instance.
  it('"Task not found" over HTTP says where tasks live, not to list them', () => {
    const reply = { jsonrpc: '2.0' as const, id: 5, error: { code: -32602, message: 'MCP error -32602: Task not found: t1' } };
    const http = tidyReply(reply, 'http') as any;
    expect(http.error.message).not.toContain('tasks/list');
    expect(http.error.message).toMatch(/instance that answered the tools\/call/);
    expect((tidyReply(reply) as any).error.message).toContain('tasks/list');
  });

  it('a resources/read uri that is not a URL is -32602, not an internal error', () => {
    const out = tidyReply({ jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'Invalid URL' } }) as any;
    expect(out.error).toEqual({ code: -32602, message: expect.stringMatching(/^Invalid params: uri is not a URL\./) });
  });
});
