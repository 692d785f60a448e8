#!/usr/bin/env node
// npm run demo: the whole flow against a local sandbox, no Segment account needed.
// Starts `segment-router sandbox`, then the router on stdio (as an MCP client would), and walks through
// search -> connection check -> track -> identify -> list sources -> check events against the
// sandbox's tracking plan, printing each step's result.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const say = (line = '') => process.stdout.write(line + '\n');

/** Children to end with the demo, however it ends (a signal, its output closed, an error). */
const children = new Set();
const endChildren = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', endChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
// Output piped into a reader that stopped (`| head`): nobody reads the rest.
process.stdout.on('error', () => process.exit(0));

/** Starts the sandbox command and resolves with where it listens; its event lines are kept for the end. */
function startSandbox() {
  const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines = [];
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before listening`)));
    createInterface({ input: child.stdout }).on('line', (raw) => {
      const msg = JSON.parse(raw);
      if (msg.type === 'listening') resolve({ child, lines, url: msg.url, env: msg.env });
      else lines.push(msg.line);
    });
  });
}

/** Runs one meta tool, prints the step, and stops the demo if it did not succeed. */
async function step(client, n, title, name, args, summarize) {
  say(`${n}. ${title}`);
  say(`   ${name} ${JSON.stringify(args)}`);
  const result = await client.callTool({ name, arguments: args });
  const out = result.structuredContent ?? {};
  if (result.isError || out.successful === false) {
    say(`   -> FAILED: ${JSON.stringify(out.error ?? out)}`);
    throw new Error(`step ${n} failed`);
  }
  for (const line of summarize(out)) say(`   -> ${line}`);
  say();
  return out;
}

async function main() {
  say('segment-router demo: a local Segment sandbox, the router on stdio, and its meta tools.');
  say();
  const sandbox = await startSandbox();
  say(`Sandbox listening on ${sandbox.url} (Tracking API + Public API, on this machine only).`);
  const args = [CLI, 'serve', '--write=allow'];
  say(`Router: node dist/cli.js serve --write=allow, with SEGMENT_* variables pointing at the sandbox.`);
  say();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'sr-demo-home-')),
      SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-demo-config-')),
      SEGMENT_ROUTER_LOG_LEVEL: 'warn',
      ...sandbox.env,
    },
    stderr: 'pipe',
  });
  let routerErr = '';
  transport.stderr?.on('data', (d) => (routerErr += d));
  const client = new Client({ name: 'segment-router-demo', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    say(`The router offers ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}.`);
    say();

    await step(client, 1, 'Find the tool for a task', 'SEARCH_TOOLS', { queries: [{ use_case: 'track an event' }], limit: 3 }, (o) => [
      ...o.results.map((r) => `best: ${r.primary_tool_slugs.map((s) => `${s} (${o.tool_schemas[s].access})`).join(', ')}; related: ${r.related_tool_slugs.join(', ') || '-'}`),
    ]);
    await step(client, 2, 'Check the connection', 'MANAGE_CONNECTIONS', { toolkits: ['segment'] }, (o) => {
      const c = o.results[0];
      return [`${c.status}: ${Object.entries(c.capabilities).map(([k, v]) => `${k} ${v.state}`).join(', ')}${c.workspace ? `; workspace "${c.workspace.name}" (${c.workspace.id})` : ''}`];
    });
    const track = { userId: 'user_42', event: 'Signed Up', properties: { plan: 'pro', referrer: 'demo' } };
    await step(client, 3, 'Track an event', 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: track }, (o) => [`accepted: ${o.data.accepted}, messageId ${o.data.messageId}`]);
    const identify = { userId: 'user_42', traits: { email: 'ada@example.com', plan: 'pro' } };
    await step(client, 4, 'Identify the user', 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_IDENTIFY', arguments: identify }, (o) => [`accepted: ${o.data.accepted}, messageId ${o.data.messageId}`]);
    await step(client, 5, 'List the workspace\'s sources', 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: {} }, (o) => {
      const sources = o.data?.sources ?? o.data?.data?.sources ?? [];
      return [`${sources.length} source(s): ${sources.map((s) => `${s.name} (${s.id}, ${s.enabled ? 'enabled' : 'disabled'})`).join(', ')}`];
    });

    say('6. What the sandbox received (GET /_sandbox/events)');
    const received = await (await fetch(`${sandbox.url}/_sandbox/events`)).json();
    for (const e of received.events) say(`   -> ${e.type} ${e.event ? `"${e.event}" ` : ''}for ${e.userId}, messageId ${e.messageId}`);
    say('   and printed, one line per request:');
    for (const line of sandbox.lines) say(`      ${line}`);
    if (received.count !== 2) throw new Error(`the sandbox received ${received.count} events, expected 2`);
    say();

    const messages = [
      { type: 'track', userId: 'user_42', event: 'order completed', properties: { OrderTotal: 49.5, note: 'ship to ada@example.com' } },
      { type: 'track', userId: 'user_42', event: 'Order Completed', properties: { revenue: '49.50', currency: 'usd' } },
    ];
    await step(client, 7, 'Check events against the tracking plan before sending (nothing is sent)', 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_VALIDATE_EVENTS', arguments: { messages } }, (o) => {
      const plan = o.data.tracking_plan;
      return [
        plan.status === 'applied' ? `tracking plan "${plan.name}" (${plan.id}) of source ${plan.source_id}: ${plan.rules} rules` : plan.reason,
        ...o.data.findings.map((f) => `finding: message ${f.index}, ${f.severity} ${f.kind}${f.field ? ` ${f.field}` : ''}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`),
      ];
    });
    say('Done: every step succeeded. Try it by hand: node dist/cli.js sandbox, then node dist/cli.js --help.');
  } catch (err) {
    if (routerErr) process.stderr.write(routerErr);
    throw err;
  } finally {
    await client.close().catch(() => {});
    sandbox.child.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err.message}\n`);
    process.exit(1);
  },
);
