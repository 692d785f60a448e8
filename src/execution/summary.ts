import type { CallSummary } from '../policy/write-policy.js';
import type { HttpRequestSpec, ToolDefinition } from '../registry/types.js';

const MAX = 400;

/** A plain sentence about a call, for the person asked to confirm it (no secrets: arguments carry none). */
export function summarizeCall(tool: ToolDefinition, args: Record<string, unknown>, request?: HttpRequestSpec): CallSummary {
  const who = (args.userId ?? args.anonymousId) as string | undefined;
  let what: string;
  switch (tool.slug) {
    case 'SEGMENT_TRACK':
      what = `send the event "${args.event}"${who ? ` for ${who}` : ''}`;
      break;
    case 'SEGMENT_IDENTIFY':
      what = `identify ${who} with traits ${Object.keys((args.traits as object) ?? {}).join(', ') || '(none)'}`;
      break;
    case 'SEGMENT_ALIAS':
      what = `permanently link ${args.previousId} to ${args.userId} (cannot be undone)`;
      break;
    case 'SEGMENT_BATCH':
    case 'SEGMENT_IMPORT_HISTORICAL_DATA':
      what = `send ${(args.batch as unknown[]).length} messages`;
      break;
    default: {
      // Public API writes: the method and path say what changes; the body says how.
      const target = request ? `${request.method} ${new URL(request.url).pathname}` : 'call it';
      const body = request?.body === undefined ? '' : JSON.stringify(request.body);
      what = body ? `${target} with ${body.length > MAX ? body.slice(0, MAX) + '…' : body}` : target;
    }
  }
  const verb = tool.access === 'destructive' ? 'DESTRUCTIVE' : 'write';
  return { slug: tool.slug, title: tool.title, access: tool.access, summary: `${tool.title} (${tool.slug}, ${verb}): ${what}.` };
}
