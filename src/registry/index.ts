import { publicApiAliases, publicApiTools } from '../segment/public-api/tools.js';
import { trackingTools } from '../segment/tracking/tools.js';
import { Registry } from './registry.js';

/** Every Segment tool the router knows: the tracking tools (sending and checking) and each Public API operation. */
export function loadRegistry(): Registry {
  return new Registry([...trackingTools, ...publicApiTools()], publicApiAliases);
}

export { Registry } from './registry.js';
