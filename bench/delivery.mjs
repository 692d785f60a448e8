import { spawnSandbox } from './support/sandbox-process.mjs';
import { spawnCaptureSink } from './support/capture-sink.mjs';
/** The same sink for bench/import.mjs, whose rows compare with these. */
export const startSink = spawnCaptureSink;
// Delivery throughput, in one run against one capture sink (bench/support/capture-sink.mjs: parses each
// body, keeps each message id, nothing else): the posting ceiling (pre-built 500 KB bodies, undici, 4 in
// flight), the router (one SEGMENT_BATCH over MCP stdio, its JSON-RPC line serialised before the clock
// as the ceiling's bodies are; and once more with the client serialising inside the clock) and
// @segment/analytics-node with its defaults and tuned (flushAt 2,500: batches then close at its 480 KB;
// it has no concurrency setting and sends every full batch at once), all sending the same events. Then a batch of one against a track call, and
// the oversized-event case the library gets wrong (against the sandbox, which answers 400 as Segment does).
// Returns rows for the shared bench table.
// Run alone: npm run build && node bench/delivery.mjs [events]
import { Analytics } from '@segment/analytics-node';
import { connectStdio } from './lib/mcp.mjs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';

const root = fileURLToPath(new URL('..', import.meta.url));
export const WRITE_KEY = 'bench-write-key';
const ROUNDS = 5;

/** Same shape of event for both senders: a typical track call with a few properties. */
export function events(n, run, from = 0) {
  return Array.from({ length: n }, (_, k) => from + k).map((i) => ({
    userId: `user-${i % 500}`,
    event: 'Order Completed',
    properties: { run, index: i, order_id: `o-${run}-${i}`, revenue: (i % 97) + 0.99, currency: 'USD', plan: i % 3 ? 'pro' : 'free' },
  }));
}

async function startRouter(url) {
  const env = { SEGMENT_TRACKING_API_URL: url, SEGMENT_PUBLIC_API_URL: url, SEGMENT_WRITE_KEY: WRITE_KEY };
  return (await connectStdio(['dist/cli.js', 'serve', '--write=allow'], { root, env })).client;
}

/**
 * One SEGMENT_BATCH over stdio. The list is made before the clock starts (as the ceiling's bodies
 * are). With `prebuilt`, so is the JSON-RPC line: the client's own serialisation of 25,000 events is
 * not the router's work, and the ceiling's clock holds no serialisation either. The clock then holds
 * the client writing the line and reading the answer, and everything the router does: reading,
 * parsing, checking, sending, answering. Without it, the SDK client serialises the call inside the clock.
 */
async function routerSend(client, list, { prebuilt = false } = {}) {
  const params = { name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_BATCH', arguments: { batch: list.map((e) => ({ type: 'track', ...e })) } } };
  if (prebuilt) sendPrebuilt(client, params);
  const started = performance.now();
  const res = await client.callTool(params, undefined, { timeout: 300_000 });
  return { ms: performance.now() - started, answer: res.structuredContent };
}

/**
 * Makes the client's next request carrying `params` write a line serialised now: the very line the
 * SDK's stdio transport writes (JSON.stringify of {method, params, jsonrpc, id}), with only the id
 * filled in when it is sent.
 */
function sendPrebuilt(client, params) {
  const json = JSON.stringify(params);
  const transport = client.transport;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (message.params !== params) return send(message, options);
    transport.send = send;
    const keys = Object.keys(message).join();
    const stdin = transport._process?.stdin;
    if (keys !== 'method,params,jsonrpc,id' || !stdin) throw new Error(`bench: the SDK's request is no longer {method, params, jsonrpc, id} on a child's stdin (${keys})`);
    const line = `{"method":${JSON.stringify(message.method)},"params":${json},"jsonrpc":"2.0","id":${JSON.stringify(message.id)}}\n`;
    return new Promise((resolve, reject) => stdin.write(line, (err) => (err ? reject(err) : resolve())));
  };
}

/** The library's settings when tuned for throughput: the largest batches it will build; no timer flushes in between. */
const TUNED = { flushAt: 2_500, flushInterval: 60_000 };

async function librarySend(sinkUrl, list, settings = {}) {
  const started = performance.now();
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: sinkUrl, ...settings });
  const errors = [];
  analytics.on('error', (e) => errors.push(e));
  for (const e of list) analytics.track(e);
  await analytics.closeAndFlush();
  return { ms: performance.now() - started, errors };
}

/**
 * The sandbox in a process of its own: neither sender shares an event loop with the server, so the
 * library (in this process) and the router (in its own) meet the same conditions.
 */
async function startSandboxProcess() {
  const { child, url } = await spawnSandbox(root, { writeKeys: [WRITE_KEY] });
  const get = async (path) => (await fetch(url + path)).json();
  return {
    url,
    reset: () => fetch(url + '/_sandbox/events', { method: 'DELETE' }),
    /** Unique messageIds the sandbox accepted (not dropped), by run tag. */
    delivered: async (run) => new Set((await get('/_sandbox/events')).events.filter((e) => e.message?.properties?.run === run && !e.dropped).map((e) => e.messageId)).size,
    batchRequests: async () => (await get('/_sandbox/requests')).requests.filter((r) => r.path === '/v1/batch').length,
    close: () => new Promise((r) => { child.once('exit', r); child.stdin.end(); }),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds of CPU (user + system, in clock ticks of 10 ms) a process has used; undefined off Linux. */
function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * The ceiling: what this machine and this sink take when nothing but posting happens. The same events,
 * as the router would send them, pre-serialised into bodies of at most 500 KB and 2,500 messages before
 * the clock starts, then posted with undici, 4 requests in flight (the router's concurrency).
 */
export async function ceilingSend(sandboxUrl, list, run) {
  const { Agent, request } = await import('undici');
  const now = new Date().toISOString();
  const bodies = [];
  let parts = [];
  let bytes = 0;
  list.forEach((e, i) => {
    const m = JSON.stringify({ type: 'track', ...e, messageId: `ceiling-${run}-${i}`, timestamp: now, context: { library: { name: 'bench', version: '1' } } });
    const size = Buffer.byteLength(m) + 1;
    if (parts.length === 2_500 || bytes + size > 480_000) {
      bodies.push(Buffer.from(`{"batch":[${parts.join(',')}],"sentAt":"${now}"}`));
      parts = [];
      bytes = 0;
    }
    parts.push(m);
    bytes += size;
  });
  if (parts.length) bodies.push(Buffer.from(`{"batch":[${parts.join(',')}],"sentAt":"${now}"}`));
  const agent = new Agent({ connections: 16, keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const res = await request(`${sandboxUrl}/v1/batch`, { method: 'POST', headers, body: bodies[next++], dispatcher: agent });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`ceiling: HTTP ${res.statusCode}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const ms = performance.now() - started;
  await agent.close();
  return { ms, requests: bodies.length };
}

/** A section of `npm run bench` (bench/run.mjs). */
export default () => deliveryBench();

export async function deliveryBench({ count = 25_000 } = {}) {
  const sink = await spawnCaptureSink();
  const client = await startRouter(sink.url);
  /** The server process's own CPU per SEGMENT_BATCH call: steadier than its rate on a shared machine. */
  const routerCpu = [];
  const senders = {
    ceiling: async (run) => (await ceilingSend(sink.url, events(count, run), run)).ms,
    router: async (run, round) => {
      const before = cpuMs(client.transport?.pid);
      const { ms, answer } = await routerSend(client, events(count, run), { prebuilt: true });
      const after = cpuMs(client.transport?.pid);
      if (round > 0 && before !== undefined && after !== undefined) routerCpu.push(after - before);
      if (answer?.data?.accepted !== count) throw new Error(`router: ${JSON.stringify(answer?.error ?? answer).slice(0, 300)}`);
      return ms;
    },
    client: async (run) => {
      const { ms, answer } = await routerSend(client, events(count, run));
      if (answer?.data?.accepted !== count) throw new Error(`router: ${JSON.stringify(answer?.error ?? answer).slice(0, 300)}`);
      return ms;
    },
    library: async (run) => (await librarySend(sink.url, events(count, run))).ms,
    tuned: async (run) => (await librarySend(sink.url, events(count, run), TUNED)).ms,
  };
  const order = Object.keys(senders);
  const times = Object.fromEntries(order.map((k) => [k, []]));
  const requests = {};
  try {
    // Round 0 warms every sender up (a running server has compiled its hot paths) and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      // Rotate who goes first, so none always meets a warm or a cold sink.
      for (const who of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
        const run = `${who}-${round}`;
        await sink.reset();
        const ms = await senders[who](run, round);
        if (round > 0) times[who].push(ms);
        const got = await sink.delivered(run);
        if (got !== count) throw new Error(`${who} delivered ${got} of ${count}`);
        requests[who] = await sink.batchRequests();
      }
    }
    const rate = (who) => count / (median(times[who]) / 1000);

    // A batch of one event against a track call: the same per-call price (median of 40 each, alternating).
    const oneEvent = { userId: 'u-1', event: 'Order Completed', properties: { run: 'one' } };
    const perCall = { SEGMENT_TRACK: [], SEGMENT_BATCH: [] };
    for (let i = 0; i < 40; i++) {
      for (const [slug, args] of i % 2 ? [['SEGMENT_BATCH', { batch: [{ type: 'track', ...oneEvent }] }], ['SEGMENT_TRACK', oneEvent]] : [['SEGMENT_TRACK', oneEvent], ['SEGMENT_BATCH', { batch: [{ type: 'track', ...oneEvent }] }]]) {
        const t = performance.now();
        await client.callTool({ name: 'EXECUTE_TOOL', arguments: { tool_slug: slug, arguments: args } });
        perCall[slug].push(performance.now() - t);
      }
    }
    const trackMs = median(perCall.SEGMENT_TRACK);
    const batchOneMs = median(perCall.SEGMENT_BATCH);

    const fmt = (n) => Math.round(n).toLocaleString('en-US');
    const ofCeiling = rate('router') / rate('ceiling');
    const row = (who, label) => ({ metric: `Delivery: ${label}`, value: `${fmt(rate(who))} events/s, ${(rate(who) / rate('ceiling')).toFixed(2)}x the ceiling (${requests[who]} requests)` });
    return [
      { metric: `Delivery ceiling: ${fmt(count)} events, pre-built 500 KB bodies, undici, 4 in flight, capture sink (median of ${ROUNDS})`, value: `${fmt(rate('ceiling'))} events/s (${requests.ceiling} requests)` },
      { metric: 'SEGMENT_BATCH over stdio / ceiling (same sink, same run)', value: `${ofCeiling.toFixed(2)}x`, target: '>= 0.50x', ok: ofCeiling >= 0.5 },
      row('router', `same events, one SEGMENT_BATCH over MCP stdio (the call's line serialised before the clock, as the ceiling's bodies)`),
      row('client', `the same with the SDK client serialising the call inside the clock`),
      ...(routerCpu.length ? [{ metric: `SEGMENT_BATCH: the server's CPU per event (user + system of its process, median of ${ROUNDS})`, value: `${((median(routerCpu) / count) * 1000).toFixed(1)} us (${median(routerCpu)} ms a call)` }] : []),
      row('library', `same events, @segment/analytics-node (defaults, closeAndFlush)`),
      row('tuned', `same events, @segment/analytics-node tuned (flushAt 2,500, flushInterval 60 s)`),
      { metric: 'Delivery: router / library, defaults and tuned', value: `${(rate('router') / rate('library')).toFixed(2)}x and ${(rate('router') / rate('tuned')).toFixed(2)}x`, target: '>= 1.00x', ok: rate('router') >= rate('library') && rate('router') >= rate('tuned') },
      { metric: 'SEGMENT_BATCH of one event / SEGMENT_TRACK, per call over stdio (median of 40)', value: `${batchOneMs.toFixed(2)} ms / ${trackMs.toFixed(2)} ms = ${(batchOneMs / trackMs).toFixed(2)}x`, target: '<= 1.5x', ok: batchOneMs / trackMs <= 1.5 },
      ...(await oversizedRows()),
    ];
  } finally {
    await client.close();
    await sink.close();
  }
}

/** One 40 KB event among 200 small ones, against the sandbox (it answers 400 to an oversized message, as Segment does). */
async function oversizedRows() {
  const sb = await startSandboxProcess();
  const client = await startRouter(sb.url);
  try {
    const small = 200;
    const withBig = (run) => {
      const list = events(small, run);
      list.splice(100, 0, { userId: 'user-big', event: 'File Uploaded', properties: { run, blob: 'x'.repeat(40 * 1024) } });
      return list;
    };
    const r40 = await routerSend(client, withBig('router-40k'));
    const routerSmall = await sb.delivered('router-40k');
    await librarySend(sb.url, withBig('library-40k'));
    const librarySmall = await sb.delivered('library-40k');
    const rejected = r40.answer?.data?.rejected_before_sending?.map((x) => x.index) ?? [];
    return [{ metric: `One 40 KB event among ${small} small: small events delivered`, value: `router ${routerSmall}/${small}, library ${librarySmall}/${small}`, target: `router ${small}/${small}`, ok: routerSmall === small && rejected.length === 1 }];
  } finally {
    await client.close();
    await sb.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await deliveryBench({ count: Number(process.argv[2]) || 25_000 });
  for (const r of rows) console.log(`${r.metric}: ${r.value}${r.target ? ` (target ${r.target}: ${r.ok ? 'met' : 'MISSED'})` : ''}`);
}
