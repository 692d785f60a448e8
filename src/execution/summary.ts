import type { CallSummary } from '../policy/write-policy.js';
import type { HttpRequestSpec, ToolDefinition } from '../registry/types.js';

const MAX = 400;

/**
 * A plain sentence about a call, for the person asked to confirm it. `redact`: the one redaction path
 * (security/redact.ts); a write may carry a secret (a write key removed from its source), and the
 * question is shown to the client like any answer.
 */
export function summarizeCall(tool: ToolDefinition, args: Record<string, unknown>, request: HttpRequestSpec | undefined, redact: (text: string) => string): CallSummary {
  const what = tool.summarize?.(args) ?? describeRequest(request);
  const verb = tool.access === 'destructive' ? 'DESTRUCTIVE' : 'write';
  return { slug: tool.slug, title: tool.title, access: tool.access, summary: redact(`${tool.title} (${tool.slug}, ${verb}): ${what}.`) };
}

/** Public API writes: the method, path and query say what changes (`DELETE /users?userIds=u1`); the body says how. */
function describeRequest(request: HttpRequestSpec | undefined): string {
  if (!request) return 'call it';
  const url = new URL(request.url);
  const target = `${request.method} ${url.pathname}${cut(url.search)}`;
  const body = request.body === undefined ? '' : JSON.stringify(request.body);
  return body ? `${target} with ${cut(body)}` : target;
}

/** At most MAX characters, and how many more there were: a field past the cut is not silently out of view. */
const cut = (text: string) => (text.length > MAX ? `${text.slice(0, MAX)}… (${text.length - MAX} more characters)` : text);
