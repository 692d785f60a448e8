import type { App } from '../app.js';
import { compactSchema } from '../meta/compact-schema.js';
import { RelatedTools } from '../plans/related.js';
import { blockedReason } from '../policy/write-policy.js';
import type { ToolDefinition } from '../registry/types.js';
import { UsageError } from './common.js';

/**
 * `segment-router call <SLUG> --help`: one tool's page for a person, read from its registry entry (what
 * it does, its arguments, where its ids come from, its pitfalls) with a command to start from. The
 * full JSON Schema stays with `segment-router schema <SLUG>`.
 */

/** The tool a person named, or a usage error that says what they may have meant. */
export function toolNamed(app: App, input: string): ToolDefinition {
  const found = app.registry.resolve(input);
  if (found.ok) return found.tool;
  const near = found.suggestions.length ? ` Did you mean ${found.suggestions.join(', ')}?` : '';
  throw new UsageError(`No tool "${found.tooLong ? `${input.slice(0, 40)}...` : input}" in scope.${near} "segment-router tools" lists every slug; "segment-router search <task>" finds one.`);
}

type Node = Record<string, unknown>;

export function toolHelp(app: App, tool: ToolDefinition): string {
  const schema = compactSchema(tool.inputJsonSchema()) as Node;
  const properties = (schema.properties ?? {}) as Record<string, Node>;
  const required = new Set(requiredOf(schema));
  const lines = [`${tool.slug}: ${tool.title} (${tool.access}, toolset ${tool.toolset})`, '', tool.description, ''];
  const names = Object.keys(properties);
  if (names.length) {
    lines.push('Arguments (* required):');
    const width = Math.min(28, Math.max(...names.map((n) => n.length + 2)));
    for (const name of names) {
      const p = properties[name]!;
      const label = `${name}${required.has(name) ? '*' : ''}`;
      const what = [typeOf(p), typeof p.description === 'string' ? p.description : ''].filter(Boolean).join(': ');
      lines.push(`  ${label.padEnd(width)} ${what}`);
    }
    const either = alternatives(schema);
    if (either) lines.push(`  (${either})`);
    lines.push('');
  } else lines.push('Arguments: none.', '');
  const related = new RelatedTools(app.registry.tools);
  const sources = tool.facts.needs.map((id) => [id, related.producerOf(id)?.slug] as const).filter(([, slug]) => slug && slug !== tool.slug);
  if (sources.length) {
    lines.push('Ids it needs, and where to find them:');
    for (const [id, slug] of sources) lines.push(`  ${id}: segment-router call ${slug}`);
    lines.push('');
  }
  if (tool.pitfalls.length) {
    lines.push('Pitfalls:');
    for (const p of tool.pitfalls) lines.push(`  - ${p}`);
    lines.push('');
  }
  const blocked = blockedReason(tool, app.config);
  const flags = tool.access === 'destructive' ? ' --allow-destructive --write=ask' : tool.access === 'write' ? ' --write=ask' : '';
  lines.push('Try it (--dry-run shows the request and sends nothing):');
  lines.push(`  segment-router call ${tool.slug} --args '${JSON.stringify(exampleArguments(tool))}'${flags} --dry-run`);
  if (blocked) lines.push(`Refused now by the write policy: ${blocked}`);
  lines.push('', `The full input schema: segment-router schema ${tool.slug}. The options of call: segment-router call --help.`);
  return lines.join('\n');
}

function requiredOf(node: Node): string[] {
  return Array.isArray(node.required) ? (node.required as string[]) : [];
}

/** "userId or anonymousId is required": a top-level anyOf whose branches only add required fields. */
function alternatives(schema: Node): string | undefined {
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as Node[]) : [];
  const sets = branches.map(requiredOf).filter((r) => r.length);
  return sets.length > 1 ? `one of ${sets.map((r) => r.join(' + ')).join(' or ')} is required` : undefined;
}

/** Required fields plus the first alternative's, for an example that passes validation. */
function requiredForExample(schema: Node): string[] {
  const first = Array.isArray(schema.anyOf) ? requiredOf((schema.anyOf as Node[])[0] ?? {}) : [];
  return [...new Set([...first, ...requiredOf(schema)])];
}

function typeOf(p: Node): string {
  if (Array.isArray(p.enum)) return `one of ${(p.enum as unknown[]).map((v) => String(v)).join(', ')}`;
  if (p.const !== undefined) return `always ${JSON.stringify(p.const)}`;
  const variants = (p.anyOf ?? p.oneOf) as Node[] | undefined;
  if (Array.isArray(variants)) return [...new Set(variants.map(typeOf))].join(' or ');
  const t = Array.isArray(p.type) ? (p.type as string[]).join(' or ') : typeof p.type === 'string' ? p.type : '';
  if (t === 'array') {
    const item = p.items && typeof p.items === 'object' ? typeOf(p.items as Node) : '';
    return item ? `list of ${item}` : 'list';
  }
  return t === 'integer' ? 'whole number' : t;
}

/**
 * Placeholder values of the right type (`"<sourceId>"`, 1, true, [], {} or an allowed value) for the
 * required fields, then for any field the tool's own schema still asks for (a rule such as "userId or
 * anonymousId" is not in the JSON Schema's required list), so the example passes validation.
 */
export function exampleArguments(tool: ToolDefinition): Record<string, unknown> {
  if (tool.example) return tool.example;
  const schema = tool.inputJsonSchema() as Node;
  const properties = (schema.properties ?? {}) as Record<string, Node>;
  const names = requiredForExample(schema);
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = placeholder(name, properties[name] ?? {});
  for (let round = 0; round < 3; round++) {
    const issues = tool.inputSchema().safeParse(out).error?.issues ?? [];
    const missing = issues.map((i) => String(i.path[0] ?? '')).filter((name) => Object.hasOwn(properties, name) && !Object.hasOwn(out, name));
    if (!missing.length) break;
    for (const name of missing) out[name] = placeholder(name, properties[name]!);
  }
  return out;
}

function placeholder(name: string, p: Node): unknown {
  if (Array.isArray(p.enum) && p.enum.length) return p.enum[0];
  if (p.const !== undefined) return p.const;
  const variants = (p.anyOf ?? p.oneOf) as Node[] | undefined;
  if (Array.isArray(variants) && variants.length) return placeholder(name, variants[0]!);
  const t = Array.isArray(p.type) ? (p.type as string[])[0] : p.type;
  switch (t) {
    case 'number':
    case 'integer':
      return typeof p.minimum === 'number' ? p.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return typeof p.minItems === 'number' && p.minItems > 0 && p.items && typeof p.items === 'object' ? [placeholder(name, p.items as Node)] : [];
    case 'object': {
      // Nested objects get their own required fields, so the example passes as a whole.
      const props = (p.properties ?? {}) as Record<string, Node>;
      return Object.fromEntries(requiredOf(p).map((k) => [k, placeholder(k, props[k] ?? {})]));
    }
    default:
      return `<${name}>`;
  }
}

