import type { CallSummary } from '../policy/write-policy.js';
import type { HttpRequestSpec, ToolDefinition } from '../registry/types.js';

const MAX = 400;

/** A plain sentence about a call, for the person asked to confirm it (no secrets: arguments carry none). */
export function summarizeCall(tool: ToolDefinition, args: Record<string, unknown>, request?: HttpRequestSpec): CallSummary {
  const what = tool.summarize?.(args) ?? describeRequest(request);
  const verb = tool.access === 'destructive' ? 'DESTRUCTIVE' : 'write';
  return { slug: tool.slug, title: tool.title, access: tool.access, summary: `${tool.title} (${tool.slug}, ${verb}): ${what}.` };
}

/** Public API writes: the method and path say what changes; the body says how. */
function describeRequest(request: HttpRequestSpec | undefined): string {
  const target = request ? `${request.method} ${new URL(request.url).pathname}` : 'call it';
  const body = request?.body === undefined ? '' : JSON.stringify(request.body);
  return body ? `${target} with ${body.length > MAX ? body.slice(0, MAX) + '…' : body}` : target;
}
