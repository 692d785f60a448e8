import type { CallSummary } from '../policy/write-policy.js';
import { destinationOf } from '../config/runtime.js';
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
  return { slug: tool.slug, title: tool.title, access: tool.access, summary: redact(`${tool.title} (${tool.slug}, ${verb}): ${what}.`), destination: destinationOf(request?.url) };
}

/**
 * Public API writes: the method, path and query say what changes; the body says how. The query is shown
 * decoded, as JSON (`DELETE /invites with query {"emails":["a@example.com"]}`): a person reads the
 * address, not `a%40example.com`, and a value's line breaks stay escaped, so it cannot speak for the question.
 */
function describeRequest(request: HttpRequestSpec | undefined): string {
  if (!request) return 'call it';
  const url = new URL(request.url);
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  const target = `${request.method} ${url.pathname}${url.search ? ` with query ${cut(JSON.stringify(query))}` : ''}`;
  if (request.body === undefined) return target;
  return `${target}${url.search ? ' and body' : ' with'} ${cut(JSON.stringify(request.body))}`;
}

/** At most MAX characters, and how many more there were: a field past the cut is not silently out of view. */
const cut = (text: string) => (text.length > MAX ? `${text.slice(0, MAX)}… (${text.length - MAX} more characters)` : text);
