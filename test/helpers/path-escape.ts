import type { Executor } from '../../src/execution/executor.js';
import type { ToolDefinition } from '../../src/registry/types.js';
import { validArgs } from './valid-args.js';

/** Values that try to leave a path segment: traversal, separators (raw and encoded), query, fragment, another host. */
export const EVIL_PATH_VALUES = ['', '..', '.', '../../workspace', 'a/b', 'a%2Fb', '%2e%2e', '%2E%2E/x', 'x?y=1', 'x#frag', 'http://127.0.0.1:1/x', '//127.0.0.1:1/x', 'a\\b', 'ü/..'];

/**
 * Finds a tool's path parameters (a marker value shows up in the URL path) and dry-runs each with
 * every evil value: the request must keep its origin and number of segments, gain no query or
 * fragment, or be refused as a validation error. Returns what broke.
 */
export async function pathEscapes(executor: Executor, tool: ToolDefinition, origin: string): Promise<{ checked: number; failures: string[] }> {
  const failures: string[] = [];
  let checked = 0;
  const base = validArgs(tool);
  if (!base) return { checked, failures: [`${tool.slug}: no valid arguments`] };
  for (const key of Object.keys(base).filter((k) => typeof base[k] === 'string')) {
    const marked = await executor.execute({ slug: tool.slug, arguments: { ...base, [key]: 'MARKER1' }, dryRun: true });
    const url = (marked.data as { requests?: { url: string }[] } | undefined)?.requests?.[0]?.url;
    if (!url || !new URL(url).pathname.includes('MARKER1')) continue;
    const segments = new URL(url).pathname.split('/').length;
    const searchKeys = [...new URL(url).searchParams.keys()].sort().join();
    for (const value of EVIL_PATH_VALUES) {
      checked++;
      const where = `${tool.slug}.${key}=${JSON.stringify(value)}`;
      const res = await executor.execute({ slug: tool.slug, arguments: { ...base, [key]: value }, dryRun: true });
      if (!res.successful) {
        if (res.error?.kind !== 'validation') failures.push(`${where}: refused as ${res.error?.kind}, not validation`);
        continue;
      }
      const u = new URL((res.data as { requests: { url: string }[] }).requests[0]!.url);
      if (u.origin !== origin) failures.push(`${where}: went to ${u.origin}`);
      else if (u.pathname.split('/').length !== segments || u.pathname.includes('//')) failures.push(`${where}: path became ${u.pathname}`);
      else if (u.hash) failures.push(`${where}: fragment ${u.hash}`);
      else if ([...u.searchParams.keys()].sort().join() !== searchKeys) failures.push(`${where}: query became ${u.search}`);
    }
  }
  return { checked, failures };
}
