#!/usr/bin/env node
/**
 * dist/cli.js, the command people and MCP clients run: tsc's modules (from dist/cli/main.js down) and the
 * libraries they import, in one file. Loading ~140 modules of our own and the MCP SDK's and zod's one
 * by one was a third of `serve`'s start (bench/README.md, "Cold start"). npm run build runs it after tsc.
 *
 * What stays out, loaded from node_modules when used: undici (read file by file in http/client.ts),
 * cli-progress (CommonJS that needs `require` for Node's own modules), and anything a module reaches
 * through createRequire (proper-lockfile, package.json). The RUN_SCRIPT worker stays tsc's own file
 * (dist/workbench/worker.js), started as a thread of its own.
 *
 * Each of our modules keeps its own `import.meta.url` (the URL of its file in dist/, which tsc wrote
 * and which stays there), so the data files, the search index and createRequire find what they found
 * before, wherever the package is installed.
 */
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const out = join(dist, 'cli.js');

/** `import.meta.url` in a module of dist/ as that module's own URL, relative to the bundle (which sits in dist/). */
const ownModuleUrl = {
  name: 'own-module-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = `./${relative(dist, args.path).split(sep).join('/')}`;
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

await build({
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['undici', 'cli-progress'],
  plugins: [ownModuleUrl],
  sourcemap: 'linked',
  logLevel: 'warning',
});
// A bundled CommonJS library that asks for `require` would fail only when first used: refuse it here.
if (/\b__require\(['"]/.test(readFileSync(out, 'utf8'))) throw new Error('dist/cli.js: a bundled library calls require(); add it to `external` in scripts/bundle.mjs');
chmodSync(out, 0o755);
