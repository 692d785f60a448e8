import { spawnSandbox } from './support/sandbox-process.mjs';
// Data quality: what checking costs on the delivery path. 100,000 events as SEGMENT_BATCH calls (25,000 each) through
// the executor (in process), sent to a sandbox in its own process, with --validate=off and with
// --validate=warn against the sandbox's tracking plan (8 rules, loaded and compiled before timing);
// same events, same run, alternating order, a round of each first to warm up, then 5 of each. The cost
// is read in this process's CPU time per event (the router's work: the sandbox runs in a process of its
// own), each run started after a full garbage collection. Wall time is not the measure: the router and
// the sandbox work at once on two cores, so the checks cost no time while the sandbox is the slower of
// the two and their whole CPU once the router is (the row swung between 1 % and 19 % as the router got
// faster and the machine's load moved), and garbage left by one run was collected in the next.
// Plus the checks alone, per event.
// Run alone: npm run build && node bench/quality.mjs [events]
import { mkdtempSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const WRITE_KEY = 'bench-quality-write-key';
const TOKEN = 'bench-quality-token';
const ROUNDS = 5;
const PER_CALL = 25_000;

/**
 * Typical tracking traffic: mostly planned "Order Completed" events that fit the plan, some with a
 * plan error, a naming slip or an email in the properties, so every check has work to do.
 */
function events(n, run) {
  return Array.from({ length: n }, (_, i) => {
    const properties = { order_id: `o-${run}-${i}`, revenue: (i % 97) + 0.99, currency: i % 2 ? 'USD' : 'EUR' };
    if (i % 50 === 1) delete properties.order_id; // a plan error
    if (i % 20 === 2) properties.CouponCode = 'SPRING'; // a naming slip (and not in the plan)
    if (i % 100 === 3) properties.coupon = 'ask ada@example.com'; // PII
    return { type: 'track', userId: `user-${i % 500}`, event: i % 20 === 4 ? 'order completed' : 'Order Completed', properties, context: { run } };
  });
}

async function startSandboxProcess() {
  const { child, url } = await spawnSandbox(root, { writeKeys: [WRITE_KEY], tokens: [TOKEN] });
  return {
    url,
    reset: () => fetch(url + '/_sandbox/events', { method: 'DELETE' }),
    close: () => new Promise((r) => { child.once('exit', r); child.stdin.end(); }),
  };
}

async function app(url, validate) {
  const { createApp } = await import(pathToFileURL(join(root, 'dist/app.js')).href);
  return createApp({
    write: 'allow',
    validate,
    env: {
      SEGMENT_ROUTER_HOME: mkdtempSync(join(tmpdir(), 'sr-bench-quality-')),
      SEGMENT_TRACKING_API_URL: url,
      SEGMENT_PUBLIC_API_URL: url,
      SEGMENT_WRITE_KEY: WRITE_KEY,
      SEGMENT_PUBLIC_API_TOKEN: TOKEN,
      SEGMENT_ROUTER_LOG_LEVEL: 'error',
      // 100,000 events are about 20 MB of arguments: the call limit is not what is measured here.
      SEGMENT_ROUTER_MAX_ARGUMENTS_BYTES: '200000000',
      SEGMENT_ROUTER_MAX_ANSWER_BYTES: '10000000',
    },
  });
}

/** A full garbage collection, so each timed run starts from the same heap and pays only for its own garbage. */
function fullGc() {
  setFlagsFromString('--expose-gc');
  runInNewContext('gc')();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** A section of `npm run bench` (bench/run.mjs). */
export default () => qualityBench();

export async function qualityBench({ count = 100_000 } = {}) {
  const sb = await startSandboxProcess();
  const off = await app(sb.url, 'off');
  const warn = await app(sb.url, 'warn');
  try {
    // Load and compile the plan before timing: a running server has it cached.
    const target = await warn.planTarget();
    const loaded = await warn.quality.inspect(target, [], 10_000);
    if (loaded.tracking_plan.status !== 'applied') throw new Error(`no plan: ${loaded.tracking_plan.reason}`);

    const times = { off: [], warn: [] };
    const cpu = { off: [], warn: [] };
    let findings;
    // Round 0 warms both up (compiled paths, the sandbox's connections) and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const mode of round % 2 ? ['warn', 'off'] : ['off', 'warn']) {
        // As every surface hands them over: parsed from JSON. Strings built here from template literals
        // are ropes the first character read (the PII scan) flattens and copies: a cost no real call pays.
        const batch = JSON.parse(JSON.stringify(events(count, `${mode}-${round}`)));
        await sb.reset();
        fullGc();
        const used = process.cpuUsage();
        const started = performance.now();
        let accepted = 0;
        let total = 0;
        // SEGMENT_BATCH takes at most 25,000 messages a call: 100,000 events are four calls.
        for (let at = 0; at < batch.length; at += PER_CALL) {
          const r = await (mode === 'off' ? off : warn).executor.execute({ slug: 'SEGMENT_BATCH', arguments: { batch: batch.slice(at, at + PER_CALL) } });
          if (r.data?.accepted === undefined) throw new Error(`${mode}: ${r.error?.message}`);
          accepted += r.data.accepted;
          total += r.data.findings_summary?.total ?? 0;
        }
        const ms = performance.now() - started;
        const { user, system } = process.cpuUsage(used);
        if (round > 0) {
          times[mode].push(ms);
          cpu[mode].push((user + system) / 1000);
        }
        if (accepted !== count) throw new Error(`${mode}: ${accepted} of ${count} accepted`);
        if (mode === 'warn') findings = { total };
      }
    }

    // The checks alone, without sending: the same events through one gate.
    const { checkable } = await import(pathToFileURL(join(root, 'dist/segment/tracking/validate-tool.js')).href);
    const now = new Date().toISOString();
    const ready = JSON.parse(JSON.stringify(events(count, 'alone'))).map((m, i) => checkable(m, i, now));
    // One pass to warm the checks up, then the median of five, each after a full collection: one cold
    // pass read 1.7-2.5 us an event where warm passes read ~0.6.
    const passes = [];
    for (let pass = 0; pass <= ROUNDS; pass++) {
      const gate = warn.quality.gate(target);
      fullGc();
      const started = performance.now();
      ready.forEach((c, i) => gate.check(i, c.type, c.message));
      if (pass > 0) passes.push(((performance.now() - started) * 1000) / count);
    }
    const aloneUs = median(passes);

    const offRate = count / (median(times.off) / 1000);
    const warnRate = count / (median(times.warn) / 1000);
    const offUs = (median(cpu.off) * 1000) / count;
    const warnUs = (median(cpu.warn) * 1000) / count;
    // Throughput bound by the router's CPU: checking lowers it by this share.
    const cost = 1 - offUs / warnUs;
    return [
      { metric: `Quality: ${fmt(count)} events by SEGMENT_BATCH, --validate=off (in process, median of ${ROUNDS})`, value: `${fmt(offRate)} events/s, ${offUs.toFixed(2)} us router CPU per event` },
      { metric: `Quality: same batch, --validate=warn against an 8-rule plan`, value: `${fmt(warnRate)} events/s, ${warnUs.toFixed(2)} us router CPU per event (${fmt(findings.total)} findings)` },
      { metric: 'Quality: cost of checking on batch throughput (router CPU per event, warn against off)', value: `${(cost * 100).toFixed(1)} %`, target: '< 10 %', ok: cost < 0.1 },
      { metric: `Quality: the checks alone (plan, naming, PII), per event (median of ${ROUNDS} warm passes)`, value: `${aloneUs.toFixed(2)} us` },
    ];
  } finally {
    await off.close();
    await warn.close();
    await sb.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await qualityBench({ count: Number(process.argv[2]) || 100_000 });
  for (const r of rows) console.log(`${r.metric}: ${r.value}${r.target ? ` (target ${r.target}: ${r.ok ? 'met' : 'MISSED'})` : ''}`);
}
