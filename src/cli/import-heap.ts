import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * V8 settings of an import process, set when the command starts: an import is a process of its own
 * that streams millions of records through the same path as any call, and with V8's defaults most of
 * its resident memory was garbage waiting for the next collection, not data.
 *
 * - `--heap-growing-percent=100`: after each full collection the old generation may grow to twice what
 *   was live, not up to ~4x (the default lets it grow further the cheaper collections look). An import's
 *   live set is small and steady (the calls in flight), so collections stay cheap: with both settings
 *   and 1,000-message calls, 1,000,000 events peaked at ~141 MB instead of ~220 MB, at the same CPU
 *   time (bench/README.md).
 * - `--liftoff-only`: the one WebAssembly the process runs, undici's HTTP response parser, stays on V8's
 *   baseline code; optimising it took ~35 MB of compiler memory after the first request, for parsing a
 *   few hundred `{"success":true}` answers.
 * - The young generation is held at YOUNG_GENERATION_MB (see `holdYoungGeneration`).
 *
 * Process-wide, so only for `import`: the MCP server (RUN_SCRIPT's engine is WebAssembly) keeps V8's defaults.
 */
export const IMPORT_V8_FLAGS = ['--heap-growing-percent=100', '--liftoff-only'] as const;

/**
 * The young generation's size the import holds (its two semi-spaces; V8's default grows it to 32 MB).
 * Since records are parsed only when their call checks them (src/import/chunk-json.ts), little lives
 * through a scavenge, so a smaller young generation costs few copies: 1,000,000 events peak at
 * ~115 MB instead of ~126 MB; 200,000 events take 69 scavenges instead of 41, copying 46 MB instead
 * of 32 (records parsed when read: 125 MB). At 8 MB: ~104 MB, but 56 MB copied and 30 MB promoted.
 */
export const YOUNG_GENERATION_MB = 16;
/** V8 grows the young generation by this factor while much survives (its default); 1 holds it where it is. */
const GROWTH = '--semi-space-growth-factor=2';
const HOLD = '--semi-space-growth-factor=1';

/** Sets the flags and starts holding the young generation (the answer stops that: tests only). */
export function tuneHeapForImport(set: (flag: string) => void = setFlagsFromString, size = youngGenerationBytes): PerformanceObserver {
  for (const flag of IMPORT_V8_FLAGS) set(flag);
  return holdYoungGeneration(set, YOUNG_GENERATION_MB, size);
}

/** The young generation's size now, in bytes (both semi-spaces). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Lets V8 grow the young generation up to `mb`, then holds it there: its size is fixed only on the
 * command line (`--max-semi-space-size`), which a command cannot give itself, but whether it grows is
 * read at each scavenge. After each collection the growth factor is set to hold it once it is that
 * large, and to let it grow again if V8 made it smaller.
 */
export function holdYoungGeneration(set: (flag: string) => void = setFlagsFromString, mb = YOUNG_GENERATION_MB, size = youngGenerationBytes): PerformanceObserver {
  let held = false;
  const check = () => {
    const full = size() >= mb * 1024 * 1024;
    if (full === held) return;
    held = full;
    set(full ? HOLD : GROWTH);
  };
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return observer;
}
