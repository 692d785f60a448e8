import type { Progress } from '../registry/types.js';
import { RateMeter, startProgressBar, type ProgressBar } from './progress-bar.js';

/**
 * The progress bar of `segment-router call`: a long call (a large SEGMENT_BATCH reports its progress as
 * it sends) draws the command line's one bar, on a terminal only. The bar starts with the first report,
 * so a quick call draws nothing; with --json, or when stdout or stderr is not a terminal, nothing at all.
 */
export function callProgress(opts: { json: boolean; stream?: NodeJS.WriteStream; stdoutIsTTY?: boolean }): { progress?: Progress; stop(): void } {
  if (opts.json) return { stop: () => undefined };
  let bar: ProgressBar | undefined;
  let started = false;
  const meter = new RateMeter();
  return {
    progress: (done, total) => {
      if (!started) {
        started = true;
        bar = startProgressBar({ total, fields: '{done}/{total} messages | {rate}/s', values: { done: 0, total, rate: 0 }, stream: opts.stream, stdoutIsTTY: opts.stdoutIsTTY });
      }
      bar?.update(done, { done, total, rate: meter.add(done) });
    },
    stop: () => bar?.stop(),
  };
}
