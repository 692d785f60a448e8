import { ROUTER_SET_ARGUMENTS, type JsonSchema } from '../registry/types.js';

/**
 * The input schema as an agent needs it to write a call, at a fraction of the tokens: no `$schema`,
 * no `additionalProperties`/`propertyNames` noise, no long regex patterns, short descriptions, and any
 * big nested object (the tracking `context`) folded into one line naming its fields. EXECUTE_TOOL still
 * validates against the full schema; SEARCH_TOOLS gives the full one on request (`full_schema`).
 */

/** Keys that tell an agent nothing it needs to fill in the arguments. */
const NOISE = new Set(['$schema', '$id', 'additionalProperties', 'propertyNames', 'title', '$comment', 'examples', 'readOnly', 'writeOnly', 'deprecated']);
/** A nested object larger than this (as JSON) is folded to one line. */
const NESTED_BUDGET = 320;
const DESCRIPTION_MAX = 160;
const PATTERN_MAX = 40;
const ENUM_MAX = 12;
const LENGTH_CAP = 500;

export function compactSchema(schema: JsonSchema): JsonSchema {
  return compact(schema, 0) as JsonSchema;
}

function compact(node: unknown, depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, depth));
  if (!node || typeof node !== 'object') return node;
  const src = node as Record<string, unknown>;
  if (depth > 0 && src.properties && JSON.stringify(src).length > NESTED_BUDGET) return fold(src);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (NOISE.has(key)) continue;
    if (key === 'pattern' && typeof value === 'string' && value.length > PATTERN_MAX) continue;
    // A generous cap ("maxLength": 1024 on an id) never binds a sensible call.
    if (key === 'maxLength' && typeof value === 'number' && value > LENGTH_CAP) continue;
    if (key === 'description' && typeof value === 'string') out.description = shorten(value);
    else if (key === 'enum' && Array.isArray(value) && value.length > ENUM_MAX) {
      out.enum = value.slice(0, ENUM_MAX);
      out.description = `${out.description ?? shorten(String(src.description ?? ''))} (${value.length - ENUM_MAX} more values)`.trim();
    } else if (key === 'properties' && value && typeof value === 'object') {
      // What the router fills in itself is left out of what the agent reads (the full schema keeps it).
      const kept = Object.entries(value).filter(([k]) => depth > 0 || !ROUTER_SET_ARGUMENTS.has(k));
      out.properties = Object.fromEntries(kept.map(([k, v]) => [k, compact(v, depth + 1)]));
    } else if (key === 'items' || key === 'anyOf' || key === 'oneOf' || key === 'allOf') out[key] = compact(value, depth + 1);
    else out[key] = value;
  }
  return out;
}

/** One line for a nested object: its own description (or none) and the names of its fields. */
function fold(src: Record<string, unknown>): JsonSchema {
  const fields = Object.keys(src.properties as object);
  const own = typeof src.description === 'string' ? src.description : '';
  // A description that already walks through the fields says it better than a bare list.
  const listed = fields.filter((f) => own.includes(f)).length >= fields.length / 2;
  return { type: 'object', description: listed ? own : `${shorten(own)} Fields: ${fields.join(', ')}.`.trim() };
}

/** First sentence(s) up to DESCRIPTION_MAX characters, cut at a word boundary. */
export function shorten(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= DESCRIPTION_MAX) return t;
  const cut = t.slice(0, DESCRIPTION_MAX);
  const sentence = cut.lastIndexOf('. ');
  if (sentence > DESCRIPTION_MAX / 2) return cut.slice(0, sentence + 1);
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}
