import cliProgress from 'cli-progress';

/**
 * The one progress bar of the command line (cli-progress), for any long command: `import`, and a large
 * `call`. Drawn on stderr, and only when both stdout and stderr are terminals: piped or redirected
 * output, and --json, get nothing of it. Callers give the work done and to do in any unit (bytes,
 * messages) and the counters shown after the bar; the bar works out the percentage and the ETA.
 */

export interface ProgressBar {
  /** Work done so far, and the counters to show (each a `{name}` in the caller's `fields` format). */
  update(done: number, values?: Record<string, string | number>): void;
  /** Leaves the last state on screen and moves to a new line. */
  stop(): void;
}

export interface ProgressBarOptions {
  /** Work to do, in the unit of `update`'s `done`. */
  total: number;
  /** What follows the bar, with `{name}` for each value passed to `update`, e.g. "{rate} events/s | accepted {accepted}". */
  fields: string;
  /** Initial values of the fields. */
  values: Record<string, string | number>;
  /** Where to draw; stderr unless a test says otherwise. */
  stream?: NodeJS.WriteStream;
  /** Whether stdout is a terminal (tests pass their own answer). */
  stdoutIsTTY?: boolean;
}

/** A bar on a terminal, or undefined when there is no terminal to draw it on. */
export function startProgressBar(opts: ProgressBarOptions): ProgressBar | undefined {
  const stream = opts.stream ?? process.stderr;
  const stdoutIsTTY = opts.stdoutIsTTY ?? process.stdout.isTTY === true;
  if (!stream.isTTY || !stdoutIsTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `{bar} {percentage}% | ${opts.fields} | ETA {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
      // Draw even where cli-progress doubts the stream (a test's terminal): the check above decided.
      noTTYOutput: false,
      // Before the first rate is known cli-progress's ETA is "INF", which its own format cut to "NFs".
      formatTime: (t, options, round) => (typeof t === 'number' && Number.isFinite(t) ? cliProgress.Format.TimeFormat(t, options, round) : '--'),
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(1, opts.total), 0, opts.values);
  return {
    update: (done, values) => bar.update(Math.min(done, Math.max(1, opts.total)), values ?? {}),
    stop: () => bar.stop(),
  };
}

/** Events per second over the last few seconds: a rate that follows a change of pace without jumping. */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  /** Records the running count and answers the rate (per second, rounded). */
  add(count: number, at = performance.now()): number {
    this.samples.push({ at, count });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    return seconds > 0 ? Math.round((count - first.count) / seconds) : 0;
  }
}
