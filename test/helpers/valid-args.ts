import type { ToolDefinition } from '../../src/registry/types.js';
import { argumentsFor } from './public-api/arguments.js';

/**
 * Schema-valid arguments for any registry tool, so a test can call every tool and be sure that what
 * stops it is the policy, not a validation error. Tracking tools have hand-written examples (their
 * "userId or anonymousId" rule is not in the JSON Schema); Public API tools reuse the contract tests'
 * generator (required fields only), checked here against the zod schema the executor really runs.
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

export function validArgs(tool: ToolDefinition): Record<string, unknown> | undefined {
  if (TRACKING[tool.slug]) return structuredClone(TRACKING[tool.slug]);
  const candidate = argumentsFor(tool.inputJsonSchema(), [], 'minimal');
  return tool.inputSchema().safeParse(candidate).success ? candidate : undefined;
}
