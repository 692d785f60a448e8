// RUN_SCRIPT against EXECUTE_TOOL step by step: five multi-step tasks on a seeded sandbox workspace,
// each done both ways over MCP stdio, counting the o200k tokens of every message the agent would
// write (call arguments, the script) and read (the answers). Then the sandbox's start-up cost per run,
// against an EXECUTE_TOOL call measured in the same run. Returns rows for the shared bench table.
// Run alone: npm run build && node bench/workbench.mjs
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { connectStdio } from './lib/mcp.mjs';
import { int, median, ms } from './lib/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'bench-token-0123456789';
const TARGET_SAVING = 0.7;
const OVERHEAD_RUNS = 25;
/** Calls per EXECUTE_TOOL batch in the step-by-step runs. */
const BATCH = 10;

/** A workspace the size of a real one: 40 sources, about 60 destinations (some disabled), warehouses, plans, labels. */
async function seed(state) {
  const { source } = await import(pathToFileURL(join(root, 'dist/sandbox/public-api/store.js')).href);
  const [dest] = state.destinations;
  const [wh] = state.warehouses;
  const kinds = ['javascript', 'ios', 'android', 'node', 'python'];
  for (let i = 0; i < 37; i++) {
    const s = source(`src_${i}`, `${kinds[i % 5]}-${i}`, `${kinds[i % 5]} source ${i}`, [`key-${i}`], state.workspace.id);
    if (i % 3 === 0) s.labels = [{ key: 'team', value: i % 2 ? 'web' : 'mobile' }];
    s.settings = { note: `Source ${i} of the bench workspace` };
    state.sources.push(s);
  }
  const names = ['Amplitude', 'Mixpanel', 'Google Analytics 4', 'Braze', 'Webhooks', 'Intercom', 'Slack', 'Customer.io'];
  let n = 0;
  for (const s of state.sources) {
    const count = s.id === 'src_7' ? 10 : Number(s.id.replace(/\D/g, '') || 0) % 4;
    for (let j = 0; j < count; j++) {
      const name = names[(n + j) % names.length];
      state.destinations.push({ ...dest, id: `dst_${n++}`, name, sourceId: s.id, enabled: n % 7 !== 0, metadata: { ...dest.metadata, name, slug: name.toLowerCase().replace(/\W+/g, '-') } });
    }
    state.sourceWarehouses[s.id] = n % 3 ? ['wh_snowflake'] : [];
  }
  for (let i = 0; i < 6; i++) state.warehouses.push({ ...wh, id: `wh_${i}`, settings: { ...wh.settings, name: `Warehouse ${i}` } });
  for (let i = 0; i < 4; i++) {
    state.trackingPlans.push({ ...state.trackingPlans[0], id: `tp_${i}`, name: `Plan ${i}`, slug: `plan-${i}` });
    state.planSources[`tp_${i}`] = state.sources.filter((_, k) => k % 9 === i).map((s) => s.id);
  }
}

async function startRouter(url) {
  const env = { SEGMENT_PUBLIC_API_URL: url, SEGMENT_TRACKING_API_URL: url, SEGMENT_PUBLIC_API_TOKEN: TOKEN };
  return (await connectStdio(['dist/cli.js', 'serve', '--write=allow'], { root, env })).client;
}

/** An agent's side of the conversation: every call it writes and every answer it reads, in tokens. */
function agent(client) {
  let tokens = 0;
  let calls = 0;
  return {
    async call(name, args) {
      calls++;
      tokens += countTokens(JSON.stringify({ name, arguments: args }));
      const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
      tokens += countTokens(r.content.map((c) => c.text ?? JSON.stringify(c)).join(''));
      if (r.isError) throw new Error(`${name} failed: ${r.content[0].text.slice(0, 300)}`);
      return r.structuredContent;
    },
    /**
     * Independent calls batched in EXECUTE_TOOL's "tools", as an agent does. The calls of one batch
     * share the answer limit, so batches stay small enough for whole answers; an answer cut anyway
     * is asked again on its own (both reads count).
     */
    async parallel(calls) {
      const out = [];
      for (let i = 0; i < calls.length; i += BATCH) {
        const r = await this.call('EXECUTE_TOOL', { tools: calls.slice(i, i + BATCH).map(([tool_slug, args]) => ({ tool_slug, arguments: args })) });
        for (const [k, x] of r.results.entries()) out.push(x.truncated ? await one(this, ...calls[i + k]) : x.data);
      }
      return out;
    },
    get tokens() {
      return tokens;
    },
    get calls() {
      return calls;
    },
  };
}

const one = (a, slug, args) => a.call('EXECUTE_TOOL', { tool_slug: slug, arguments: args }).then((r) => r.data);

/** Each task: what an agent does step by step, and the one script that does the same. Both return the same answer. */
const TASKS = [
  {
    name: 'disabled destinations across all sources',
    async steps(a) {
      const { sources } = await one(a, 'SEGMENT_LIST_SOURCES', {});
      const lists = await a.parallel(sources.map((s) => ['SEGMENT_LIST_CONNECTED_DESTINATIONS_FROM_SOURCE', { sourceId: s.id }]));
      return sources.flatMap((s, i) => lists[i].destinations.filter((d) => !d.enabled).map((d) => ({ source: s.name, destination: d.name, id: d.id })));
    },
    script: `const sources = await tools.all('SEGMENT_LIST_SOURCES', {});
const lists = await Promise.all(sources.map((s) => tools.all('SEGMENT_LIST_CONNECTED_DESTINATIONS_FROM_SOURCE', { sourceId: s.id })));
return sources.flatMap((s, i) => lists[i].filter((d) => !d.enabled).map((d) => ({ source: s.name, destination: d.name, id: d.id })));`,
  },
  {
    name: 'label every source without a team label',
    writes: true,
    async steps(a) {
      const { sources } = await one(a, 'SEGMENT_LIST_SOURCES', {});
      const todo = sources.filter((s) => !s.labels.some((l) => l.key === 'team'));
      await a.parallel(todo.map((s) => ['SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: s.id, labels: [{ key: 'team', value: 'growth' }] }]));
      return todo.map((s) => s.id);
    },
    script: `const sources = await tools.all('SEGMENT_LIST_SOURCES', {});
const todo = sources.filter((s) => !s.labels.some((l) => l.key === 'team'));
await Promise.all(todo.map((s) => tools.call('SEGMENT_ADD_LABELS_TO_SOURCE', { sourceId: s.id, labels: [{ key: 'team', value: 'growth' }] })));
return todo.map((s) => s.id);`,
  },
  {
    name: 'delivery metrics of every destination of one source',
    async steps(a) {
      const { destinations } = await one(a, 'SEGMENT_LIST_CONNECTED_DESTINATIONS_FROM_SOURCE', { sourceId: 'src_7' });
      const metrics = await a.parallel(destinations.map((d) => ['SEGMENT_LIST_DELIVERY_METRICS_SUMMARY_FROM_DESTINATION', { destinationId: d.id, sourceId: 'src_7' }]));
      return destinations.map((d, i) => ({ id: d.id, name: d.name, metrics: summary(metrics[i]) }));
    },
    script: `const destinations = await tools.all('SEGMENT_LIST_CONNECTED_DESTINATIONS_FROM_SOURCE', { sourceId: 'src_7' });
const metrics = await Promise.all(destinations.map((d) => tools.call('SEGMENT_LIST_DELIVERY_METRICS_SUMMARY_FROM_DESTINATION', { destinationId: d.id, sourceId: 'src_7' })));
const summary = (m) => { const s = m && m.deliveryMetricsSummary; return s ? { successes: s.successes ?? null, failures: s.failures ?? null } : null; };
return destinations.map((d, i) => ({ id: d.id, name: d.name, metrics: summary(metrics[i]) }));`,
  },
  {
    name: 'warehouses each source loads into',
    async steps(a) {
      const { sources } = await one(a, 'SEGMENT_LIST_SOURCES', {});
      const lists = await a.parallel(sources.map((s) => ['SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE', { sourceId: s.id }]));
      return Object.fromEntries(sources.map((s, i) => [s.id, lists[i].warehouses.map((w) => w.id)]));
    },
    script: `const sources = await tools.all('SEGMENT_LIST_SOURCES', {});
const lists = await Promise.all(sources.map((s) => tools.all('SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE', { sourceId: s.id })));
return Object.fromEntries(sources.map((s, i) => [s.id, lists[i].map((w) => w.id)]));`,
  },
  {
    name: 'sources in no tracking plan',
    async steps(a) {
      const { trackingPlans } = await one(a, 'SEGMENT_LIST_TRACKING_PLANS', {});
      const lists = await a.parallel(trackingPlans.map((p) => ['SEGMENT_LIST_SOURCES_FROM_TRACKING_PLAN', { trackingPlanId: p.id }]));
      const { sources } = await one(a, 'SEGMENT_LIST_SOURCES', {});
      const planned = new Set(lists.flatMap((l) => l.sources.map((s) => s.id)));
      return sources.filter((s) => !planned.has(s.id)).map((s) => s.id);
    },
    script: `const plans = await tools.all('SEGMENT_LIST_TRACKING_PLANS', {});
const lists = await Promise.all(plans.map((p) => tools.all('SEGMENT_LIST_SOURCES_FROM_TRACKING_PLAN', { trackingPlanId: p.id })));
const planned = new Set(lists.flat().map((s) => s.id));
return (await tools.all('SEGMENT_LIST_SOURCES', {})).filter((s) => !planned.has(s.id)).map((s) => s.id);`,
  },
  {
    name: 'sources whose schema settings allow unplanned events',
    async steps(a) {
      const { sources } = await one(a, 'SEGMENT_LIST_SOURCES', {});
      const settings = await a.parallel(sources.map((s) => ['SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', { sourceId: s.id }]));
      return sources.filter((s, i) => settings[i].settings?.track?.allowUnplannedEvents).map((s) => s.id);
    },
    script: `const sources = await tools.all('SEGMENT_LIST_SOURCES', {});
const settings = await Promise.all(sources.map((s) => tools.call('SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', { sourceId: s.id })));
return sources.filter((s, i) => settings[i].settings && settings[i].settings.track && settings[i].settings.track.allowUnplannedEvents).map((s) => s.id);`,
  },
];

function summary(m) {
  const s = m && m.deliveryMetricsSummary;
  return s ? { successes: s.successes ?? null, failures: s.failures ?? null } : null;
}

export default async function workbench() {
  const { startSandbox } = await import(pathToFileURL(join(root, 'dist/sandbox/server.js')).href);
  const sandbox = await startSandbox({ tokens: [TOKEN], writeKeys: ['bench-write-key'] });
  await seed(sandbox.publicApi);
  const client = await startRouter(sandbox.url);
  // The first script of a server starts its engine thread and loads the WebAssembly module.
  const cold = performance.now();
  await client.callTool({ name: 'RUN_SCRIPT', arguments: { script: 'return 1' } });
  const coldMs = performance.now() - cold;
  const st = sandbox.publicApi;
  const rows = [{ metric: 'Workbench: the seeded sandbox workspace', value: `${st.sources.length} sources, ${st.destinations.length} destinations, ${st.warehouses.length} warehouses, ${st.trackingPlans.length} tracking plans` }];
  const clearLabels = () => sandbox.publicApi.sources.forEach((s, i) => (s.labels = i >= 3 && (i - 3) % 3 === 0 ? [{ key: 'team', value: (i - 3) % 2 ? 'web' : 'mobile' }] : []));
  try {
    let stepTotal = 0;
    let scriptTotal = 0;
    const table = [];
    for (const task of TASKS) {
      if (task.writes) clearLabels();
      const a = agent(client);
      const expected = await task.steps(a);
      if (task.writes) clearLabels();
      const b = agent(client);
      const answer = await b.call('RUN_SCRIPT', { script: task.script });
      if (JSON.stringify(answer.result) !== JSON.stringify(expected)) throw new Error(`"${task.name}": the script's answer differs from the step-by-step one`);
      stepTotal += a.tokens;
      scriptTotal += b.tokens;
      const saved = 1 - b.tokens / a.tokens;
      table.push({ task: task.name, steps: a.calls, stepTokens: a.tokens, scriptTokens: b.tokens, saved });
      rows.push({ metric: `Workbench: ${task.name} (${a.calls} EXECUTE_TOOL calls vs 1 RUN_SCRIPT)`, value: `${int(a.tokens)} -> ${int(b.tokens)} tokens (${(saved * 100).toFixed(0)} % fewer)` });
    }
    const saved = 1 - scriptTotal / stepTotal;
    rows.push({ metric: `Workbench: all ${TASKS.length} tasks, tokens the agent reads and writes`, value: `${int(stepTotal)} -> ${int(scriptTotal)} (${(saved * 100).toFixed(1)} % fewer)`, target: `>= ${TARGET_SAVING * 100} % fewer`, ok: saved >= TARGET_SAVING });

    // Start-up cost of the sandbox per run (warm thread): a script that does nothing, against the
    // cheapest EXECUTE_TOOL call (a dry run: no network), over the same MCP connection, interleaved.
    const script = [];
    const execute = [];
    for (let i = 0; i < OVERHEAD_RUNS; i++) {
      let t = performance.now();
      await client.callTool({ name: 'EXECUTE_TOOL', arguments: { tool_slug: 'SEGMENT_GET_SOURCE', arguments: { sourceId: 'src_1' }, dry_run: true } });
      execute.push(performance.now() - t);
      t = performance.now();
      await client.callTool({ name: 'RUN_SCRIPT', arguments: { script: 'return 1' } });
      script.push(performance.now() - t);
    }
    const overhead = median(script) - median(execute);
    rows.push({ metric: `Workbench: RUN_SCRIPT "return 1" / EXECUTE_TOOL dry run, median of ${OVERHEAD_RUNS}`, value: `${ms(median(script))} / ${ms(median(execute))}` });
    rows.push({ metric: 'Workbench: sandbox start overhead per run (the difference)', value: ms(overhead), target: '< 50 ms', ok: overhead < 50 });
    rows.push({ metric: 'Workbench: first script of a server (engine thread and WebAssembly load)', value: ms(coldMs) });
    workbench.table = table;
    return rows;
  } finally {
    await client.close();
    await sandbox.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await workbench();
  for (const r of rows) console.log(`${r.metric}: ${r.value}${r.target ? ` (target ${r.target}: ${r.ok ? 'met' : 'MISSED'})` : ''}`);
}
