#!/usr/bin/env node
/**
 * Builds the search index once, at build time (npm run build runs it after tsc), so the first search
 * loads it instead of building it. The file carries a fingerprint of the tools it was made from; the
 * engine ignores it when the tools differ (a scoped registry, words edited since the build).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { loadRegistry } = await import(pathToFileURL(join(dist, 'inventory.js')).href);
const { SearchEngine, PREBUILT } = await import(pathToFileURL(join(dist, 'search/engine.js')).href);
// The labelled requests' digest, so that loading the index need not read them to know it was made from them.
const { recordDigest } = await import(pathToFileURL(join(dist, 'search/examples.js')).href);
recordDigest();
writeFileSync(PREBUILT, SearchEngine.serialize(loadRegistry().tools));
