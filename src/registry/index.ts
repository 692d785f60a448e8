import { publicApiAliases, publicApiTools } from '../segment/public-api/tools.js';
import { trackingTools } from '../segment/tracking/tools.js';
import { Registry } from './registry.js';

/** Every Segment tool the router knows: the 8 tracking tools and each Public API operation. */
export function loadRegistry(): Registry {
  return new Registry([...trackingTools, ...publicApiTools()], publicApiAliases);
}

export { Registry } from './registry.js';
