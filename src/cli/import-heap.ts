import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings of an import process, set when the command starts: an import is a process of its own
 * that streams millions of records through the same path as any call, and with V8's defaults most of
 * its resident memory was garbage waiting for the next collection, not data.
 *
 * - `--heap-growing-percent=100`: after each full collection the old generation may grow to twice what
 *   was live, not up to ~4x (the default lets it grow further the cheaper collections look). An import's
 *   live set is small and steady (the calls in flight), so collections stay cheap.
 * - `--liftoff-only`: the one WebAssembly the process runs, undici's HTTP response parser, stays on V8's
 *   baseline code; optimising it took ~35 MB of compiler memory after the first request, for parsing a
 *   few hundred `{"success":true}` answers.
 *
 * The young generation keeps V8's default size (32 MB, which V8 reaches within the first calls). Held
 * at 16 MB, 1,000,000 events took twice the scavenges and three times the full collections (a call's
 * messages live ~40 ms: in a smaller young generation more of them outlive two scavenges and are
 * promoted), for ~14 MB less peak memory: ~6 % more CPU (median of 8 runs by turns; bench/README.md,
 * 2026-12-06 evening).
 *
 * Process-wide, so only for `import`: the MCP server (RUN_SCRIPT's engine is WebAssembly) keeps V8's defaults.
 */
export const IMPORT_V8_FLAGS = ['--heap-growing-percent=100', '--liftoff-only'] as const;

/** Sets the flags (`set`: tests watch what is set). */
export function tuneHeapForImport(set: (flag: string) => void = setFlagsFromString): void {
  for (const flag of IMPORT_V8_FLAGS) set(flag);
}
