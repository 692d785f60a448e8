import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The local sandbox in a process of its own, so the bench's client and the sink do not share a core's
 * event loop. Closing its stdin stops it. Answers the child and the sandbox's URL.
 */
export async function spawnSandbox(root, options) {
  const code = `import(${JSON.stringify(pathToFileURL(join(root, 'dist/sandbox/server.js')).href)}).then(async ({ startSandbox }) => {
    const sb = await startSandbox(${JSON.stringify(options)});
    process.stdout.write(sb.url + '\\n');
    process.stdin.on('end', () => sb.close().then(() => process.exit(0)));
    process.stdin.resume();
  });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (c) => reject(new Error(`sandbox exited (${c})`)));
  });
  return { child, url };
}
