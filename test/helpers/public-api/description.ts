import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

/** The committed, prose-free description: always there. */
export const committedDescription = () => JSON.parse(readFileSync(resolve(ROOT, 'data/public-api/openapi.json'), 'utf8')) as Record<string, any>;

/**
 * The original description, when this machine has it (SEGMENT_OPENAPI, or ../shared beside the
 * checkout). Tests that compare against it are skipped where it is absent, e.g. in a fresh clone.
 */
export function originalDescriptionPath(): string | undefined {
  const candidates = [
    process.env.SEGMENT_OPENAPI,
    resolve(ROOT, '../shared/segment/public-api-73.openapi.json'),
    resolve(ROOT, '../../shared/segment/public-api-73.openapi.json'),
  ].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p));
}
