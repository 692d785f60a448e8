import { fileURLToPath } from 'node:url';
import { connectStdio } from './lib/mcp.mjs';
import { median, ms } from './lib/stats.mjs';

/** Spawn to initialize answered: segment-router against a minimal server on the same SDK, interleaved. */
export default async function coldStart({ root, runs = 9 }) {
  const minimal = fileURLToPath(new URL('./minimal-server.mjs', import.meta.url));
  const ours = [];
  const base = [];
  for (let i = 0; i < runs; i++) {
    for (const [args, into] of [[['dist/cli.js', 'serve'], ours], [[minimal], base]]) {
      const c = await connectStdio(args, { root });
      into.push(c.startMs);
      await c.close();
    }
  }
  const ratio = median(ours) / median(base);
  return [
    { metric: `Cold start, segment-router (median of ${runs})`, value: ms(median(ours)) },
    { metric: `Cold start, minimal SDK server (median of ${runs})`, value: ms(median(base)) },
    { metric: 'Cold start ratio', value: `${ratio.toFixed(2)}x`, target: '<= 1.5x', ok: ratio <= 1.5 },
  ];
}
