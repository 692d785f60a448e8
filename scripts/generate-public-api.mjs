#!/usr/bin/env node
/**
 * Regenerates the Public API tool table from an OpenAPI description.
 *   npm run generate:public-api                      # from the committed, prose-free copy (no change expected)
 *   npm run generate:public-api -- path/to/spec.json # from a (newer) description
 *   npm run generate:public-api -- --check           # exit 1 when the committed files differ
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, OUTPUT } from './public-api/generate.mjs';
import { loadWords } from './public-api/words.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const specPath = resolve(args.find((a) => !a.startsWith('--')) ?? process.env.SEGMENT_OPENAPI ?? join(root, OUTPUT.openapi));

try {
  const files = generate(JSON.parse(readFileSync(specPath, 'utf8')), loadWords(join(root, 'scripts/public-api/words')));
  const changed = Object.entries(files).filter(([rel, text]) => {
    const abs = join(root, rel);
    return !existsSync(abs) || readFileSync(abs, 'utf8') !== text;
  });
  if (check) {
    if (changed.length) {
      console.error(`Out of date: ${changed.map(([rel]) => rel).join(', ')}. Run npm run generate:public-api.`);
      process.exit(1);
    }
    console.log('Public API data is up to date.');
  } else {
    for (const [rel, text] of changed) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    console.log(changed.length ? `Updated ${changed.map(([rel]) => rel).join(', ')}.` : 'No change.');
  }
} catch (err) {
  console.error(`generate-public-api: ${err.message}`);
  process.exit(1);
}
