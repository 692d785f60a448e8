import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { expectNoSecrets } from '../helpers/router.js';

const run = promisify(execFile);
const EXAMPLE = resolve(__dirname, '../../examples/vercel-ai-sdk/index.mjs');

it('the Vercel AI SDK example runs search -> connection check -> execute against the sandbox', async () => {
  const { stdout, stderr } = await run(process.execPath, [EXAMPLE], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
  expect(stdout).toContain('tools: SEARCH_TOOLS, MANAGE_CONNECTIONS, EXECUTE_TOOL');
  expect(stdout).toContain('search: best tool for "track an event" is SEGMENT_TRACK');
  expect(stdout).toContain('connection: ACTIVE');
  expect(stdout).toMatch(/execute: accepted, messageId \S+/);
  expectNoSecrets(stdout, stderr);
});
