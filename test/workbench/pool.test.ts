import { afterEach, describe, expect, it, vi } from 'vitest';
import { EnginePool, EngineThread } from '../../src/workbench/pool.js';

/** A stand-in for an engine thread: the pool only asks whether it is alive and ends it. */
const fakeThread = () => ({ alive: true, grown: false, terminate: async () => {} }) as unknown as EngineThread;

afterEach(() => vi.restoreAllMocks());

describe('the engine pool', () => {
  // Found by a review (2026-12-07): the place a failed start gave back woke nobody; a confirmed script
  // waiting for it waited out its whole time.
  it('a place given back by a thread that failed to start goes to the run waiting for it', async () => {
    const start = vi.spyOn(EngineThread, 'start');
    start.mockImplementationOnce(() => new Promise((_, reject) => setTimeout(() => reject(new Error('no thread')), 50)));
    start.mockImplementation(async () => fakeThread());
    const pool = new EnginePool(1, 0);
    const first = pool.acquire();
    const started = Date.now();
    const waiter = pool.acquire({ ms: 5_000 });
    await expect(first).rejects.toThrow('no thread');
    await expect(waiter).resolves.toBeDefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    await pool.close();
  });

  it('a woken run that loses its place to a newcomer keeps its turn ahead of later waiters', async () => {
    vi.spyOn(EngineThread, 'start').mockImplementation(async () => fakeThread());
    const pool = new EnginePool(1, 0);
    const held = await pool.acquire();
    const order: string[] = [];
    const a = pool.acquire({ ms: 5_000 }).then((t) => (order.push('a'), t));
    await new Promise((r) => setTimeout(r, 10));
    const b = pool.acquire({ ms: 5_000 }).then((t) => (order.push('b'), t));
    await new Promise((r) => setTimeout(r, 10));
    // The place frees and a run that does not wait takes it before the woken one can.
    pool.release(held, false);
    const newcomer = await pool.acquire();
    pool.release(newcomer, false);
    pool.release(await a, false);
    pool.release(await b, false);
    expect(order).toEqual(['a', 'b']);
    await pool.close();
  });
});
