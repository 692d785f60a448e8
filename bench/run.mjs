import { cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: one table for this machine. Each module in SECTIONS returns rows
 * ({metric, value, target?, ok?}); add a module to add rows.
 * Runs against dist/ (npm run bench builds first). Timings are reported here, never asserted in tests.
 */
const SECTIONS = ['./search-latency.mjs', './tokens.mjs', './cold-start.mjs', './delivery.mjs', './workbench.mjs', './quality.mjs', './hostile-input.mjs', './import.mjs'];

const root = fileURLToPath(new URL('..', import.meta.url));
const rows = [];
for (const section of SECTIONS) {
  const run = (await import(section)).default;
  rows.push(...(await run({ root })));
}

const cpu = cpus();
console.log(`segment-router bench, ${new Date().toISOString().slice(0, 10)}`);
console.log(`Machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}`);
console.log('Tokens: gpt-tokenizer, o200k_base encoding.\n');
const table = [['Metric', 'Value', 'Target'], ...rows.map((r) => [r.metric, r.value, r.target ? `${r.target} ${r.ok ? '(met)' : '(MISSED)'}` : ''])];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(table[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of table.slice(1)) console.log(line(r));
