import { Registry } from './registry/registry.js';
import { publicApiAliases, publicApiTools } from './segment/public-api/tools.js';
import { trackingTools } from './segment/tracking/tools.js';

/**
 * Every Segment tool the router knows: the tracking tools and each Public API operation. Assembled
 * here, above both the registry and the Segment adapters, so the registry never imports what it lists.
 */
export function loadRegistry(): Registry {
  return new Registry([...trackingTools, ...publicApiTools()], publicApiAliases);
}
