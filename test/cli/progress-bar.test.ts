import { describe, expect, it } from 'vitest';
import { terminal } from '../helpers/terminal.js';
import { RateMeter, startProgressBar } from '../../src/cli/progress-bar.js';

describe('startProgressBar', () => {
  it('draws the bar, the percentage and the caller\'s counters on a terminal', async () => {
    const t = terminal(true);
    const bar = startProgressBar({ total: 200, fields: '{rate} events/s | accepted {accepted} | rejected {rejected}', values: { rate: 0, accepted: 0, rejected: 0 }, stream: t.stream, stdoutIsTTY: true });
    expect(bar).toBeDefined();
    bar!.update(100, { rate: 1234, accepted: 98, rejected: 2 });
    bar!.stop();
    await new Promise((r) => setImmediate(r));
    expect(t.drawn()).toContain('50%');
    expect(t.drawn()).toContain('1234 events/s | accepted 98 | rejected 2');
    expect(t.drawn()).toContain('ETA');
  });

  it('before the rate is known the ETA reads "--", not cli-progress\'s "INF" cut to "NFs"', async () => {
    const t = terminal(true);
    const bar = startProgressBar({ total: 200, fields: '{n}', values: { n: 0 }, stream: t.stream, stdoutIsTTY: true });
    bar!.stop();
    await new Promise((r) => setImmediate(r));
    expect(t.drawn()).toContain('ETA --');
    expect(t.drawn()).not.toContain('NFs');
  });

  it('draws nothing when stderr or stdout is not a terminal', () => {
    const piped = terminal(false);
    expect(startProgressBar({ total: 10, fields: '{n}', values: { n: 0 }, stream: piped.stream, stdoutIsTTY: true })).toBeUndefined();
    const tty = terminal(true);
    expect(startProgressBar({ total: 10, fields: '{n}', values: { n: 0 }, stream: tty.stream, stdoutIsTTY: false })).toBeUndefined();
    expect(piped.drawn() + tty.drawn()).toBe('');
  });
});

describe('RateMeter', () => {
  it('measures events per second over its window, following a change of pace', () => {
    const m = new RateMeter(2_000);
    expect(m.add(0, 0)).toBe(0);
    expect(m.add(1_000, 1_000)).toBe(1_000);
    expect(m.add(2_000, 2_000)).toBe(1_000);
    // The pace triples; the old samples leave the window.
    expect(m.add(5_000, 3_000)).toBe(2_000);
    expect(m.add(8_000, 4_000)).toBe(3_000);
  });
});
