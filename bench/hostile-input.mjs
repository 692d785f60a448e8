import { connectStdio } from './lib/mcp.mjs';
import { median, ms } from './lib/stats.mjs';

/**
 * Hostile input costs what its size costs, nothing more: an EXECUTE_TOOL call whose tool_slug is 1 MB
 * of slug-like text (refused by the schema's 128-character limit) against a call that carries the same
 * megabyte as an ordinary argument (a SEGMENT_TRACK dry run, refused by Segment's 32 KB message limit).
 * Both move and parse the same bytes over stdio; a slug that reached fuzzy matching whole would cost
 * seconds (its time grew with the square of its length). Also a SEARCH_TOOLS request of that size.
 */
export default async function hostileInput({ root, runs = 9 }) {
  const c = await connectStdio(['dist/cli.js', 'serve', '--write=allow'], { root });
  const mb = 1_000_000;
  const longSlug = 'SEGMENT_LIST_SOURCES_'.repeat(Math.ceil(mb / 21)).slice(0, mb);
  const payload = 'x'.repeat(mb);
  const time = async (name, args) => {
    const t0 = performance.now();
    await c.client.callTool({ name, arguments: args });
    return performance.now() - t0;
  };
  const slug = [];
  const plain = [];
  const search = [];
  try {
    for (let i = 0; i < runs; i++) {
      slug.push(await time('EXECUTE_TOOL', { tool_slug: longSlug, arguments: {} }));
      plain.push(await time('EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', dry_run: true, arguments: { userId: 'u', event: 'Bench Ran', properties: { blob: payload } } }));
      search.push(await time('SEARCH_TOOLS', { queries: [{ use_case: longSlug }] }));
    }
  } finally {
    await c.close();
  }
  const ratio = median(slug) / median(plain);
  return [
    { metric: `EXECUTE_TOOL with a 1 MB tool_slug (median of ${runs})`, value: ms(median(slug)) },
    { metric: `EXECUTE_TOOL carrying 1 MB as an argument (median of ${runs})`, value: ms(median(plain)) },
    { metric: '1 MB slug / 1 MB argument', value: `${ratio.toFixed(2)}x`, target: '<= 2x', ok: ratio <= 2 },
    { metric: `SEARCH_TOOLS with a 1 MB request (median of ${runs})`, value: ms(median(search)) },
  ];
}
