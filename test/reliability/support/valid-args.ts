import type { ToolDefinition } from '../../../src/registry/types.js';

/**
 * Schema-valid arguments for any registry tool, so a test can call every tool and be sure that what
 * stops it is the policy, not a validation error. Tracking tools have hand-written examples (their
 * "userId or anonymousId" rule is not in the JSON Schema); any other tool gets the smallest object
 * its JSON Schema allows, checked against the zod schema it really runs.
 */
const TRACKING: Record<string, Record<string, unknown>> = {
  SEGMENT_IDENTIFY: { userId: 'u-1', traits: { email: 'a@example.com' } },
  SEGMENT_TRACK: { userId: 'u-1', event: 'Order Completed', properties: { total: 1 } },
  SEGMENT_PAGE: { anonymousId: 'a-1', name: 'Pricing' },
  SEGMENT_SCREEN: { userId: 'u-1', name: 'Checkout' },
  SEGMENT_GROUP: { userId: 'u-1', groupId: 'g-1' },
  SEGMENT_ALIAS: { previousId: 'a-1', userId: 'u-1' },
  SEGMENT_BATCH: { batch: [{ type: 'track', userId: 'u-1', event: 'Order Completed' }] },
  SEGMENT_IMPORT_HISTORICAL_DATA: { batch: [{ type: 'track', userId: 'u-1', event: 'Order Completed', timestamp: '2024-01-31T12:00:00Z' }] },
};

type Schema = Record<string, any>;

export function validArgs(tool: ToolDefinition): Record<string, unknown> | undefined {
  if (TRACKING[tool.slug]) return structuredClone(TRACKING[tool.slug]);
  const root = tool.inputJsonSchema() as Schema;
  for (const full of [false, true]) {
    const candidate = sample(root, root, full, 0) as Record<string, unknown>;
    if (tool.inputSchema().safeParse(candidate).success) return candidate;
  }
  return undefined;
}

function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 10 && s?.$ref; i++) {
    const path = String(s.$ref).replace(/^#\//, '').split('/');
    s = path.reduce((node: any, key) => node?.[decodeURIComponent(key)], root);
  }
  return s ?? {};
}

/** The smallest value a schema accepts (all properties when `full`). */
function sample(input: Schema, root: Schema, full: boolean, depth: number): unknown {
  const s = resolve(input, root);
  if (depth > 12) return undefined;
  if ('const' in s) return s.const;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return sample(variants.find((v: Schema) => resolve(v, root).type !== 'null') ?? variants[0], root, full, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((v: Schema) => sample(v, root, full, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set<string>(s.required ?? []);
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) {
        if (!required.has(k) && !full) continue;
        const value = sample(v, root, full, depth + 1);
        if (value !== undefined) out[k] = value;
      }
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? (full ? 1 : 0) }, () => sample(s.items ?? {}, root, full, depth + 1));
    case 'string':
      if (s.format === 'date-time') return '2024-01-31T12:00:00Z';
      if (s.format === 'uri' || s.format === 'url') return 'https://example.com/x';
      if (s.format === 'email') return 'a@example.com';
      return 'x'.repeat(Math.max(s.minLength ?? 0, 3));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}
