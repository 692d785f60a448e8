#!/usr/bin/env node
/**
 * The command people and MCP clients run, bundled: tsc's modules (from dist/cli/main.js down) and the
 * libraries they import, in a few files under dist/bundle/, which dist/cli.js loads. Loading ~140
 * modules of our own and the MCP SDK's and zod's one by one was a third of `serve`'s start
 * (bench/README.md, "Cold start"). npm run build runs it after tsc.
 *
 * Split where a command is loaded (`await import` in cli/main.ts): each command reads its own code and
 * what it shares with others, not every command's. One file holding all of it took ~9 MB more memory
 * in `import` than the modules did (a CSV import of 1,000,000 events went from 136 MB to 146-149 MB of
 * its 150 MB budget).
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
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tsc's output: the repository's dist/, or the folder given (the tests bundle a copy). */
const dist = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
/** Every file of the bundle, one folder deep in dist/: a module's own URL is `../<its path in dist/>` from any of them. */
const final = join(dist, 'bundle');
/** Where it is built and checked first: a build that fails leaves the last good bundle in place. */
const outdir = join(dist, 'bundle.next');

/** `import.meta.url` in a module of dist/ as that module's own URL, relative to the bundle's files. */
const ownModuleUrl = {
  name: 'own-module-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist + sep) || args.path.startsWith(final + sep) || args.path.startsWith(outdir + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      // import.meta.dirname, .filename, .resolve would name the bundle's folder, not the module's.
      const other = /\bimport\.meta\.(?!url\b)\w+/.exec(text);
      if (other) throw new Error(`${args.path}: ${other[0]} is not rewritten for the bundle; use import.meta.url`);
      if (!text.includes('import.meta.url')) return undefined;
      const own = `../${relative(dist, args.path).split(sep).join('/')}`;
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { cli: join(dist, 'cli', 'main.js') },
  outdir,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['undici', 'cli-progress'],
  plugins: [ownModuleUrl],
  // Maps for stack traces (node --enable-source-maps) without the sources themselves in the package.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
// A bundled CommonJS library that asks for `require` would fail only when first used: refuse it here.
for (const f of readdirSync(outdir).filter((f) => f.endsWith('.js'))) {
  if (/\b__require\(['"]/.test(readFileSync(join(outdir, f), 'utf8'))) throw new Error(`dist/bundle.next/${f}: a bundled library calls require(); add it to \`external\` in scripts/bundle.mjs`);
}
// Checked: in place of the last one (chunk names change with their contents, so none of its files stays).
rmSync(final, { recursive: true, force: true });
renameSync(outdir, final);
// What a single-file bundle of an earlier build left.
rmSync(join(dist, 'cli.js.map'), { force: true });
const bin = join(dist, 'cli.js');
writeFileSync(bin, "#!/usr/bin/env node\n// The command line, bundled by scripts/bundle.mjs (its modules: dist/cli/main.js and below).\nimport './bundle/cli.js';\n");
chmodSync(bin, 0o755);
