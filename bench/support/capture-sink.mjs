import { spawn } from 'node:child_process';

/**
 * A capture sink for throughput: a Tracking API that parses each body (as any receiver must) and
 * remembers each message's id by its `properties.run` tag, and nothing else. The sandbox does much more
 * per message (a size check by re-serialising, a record and a log line), so against it the posting
 * "ceiling" is the sandbox's speed, not this machine's. Runs in a process of its own; closing its stdin
 * stops it. Answers the child and helpers to read what arrived.
 */
const SERVER = `
const http = require('node:http');
const runs = new Map();
let batches = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.pathname === '/_capture') {
      const ids = runs.get(url.searchParams.get('run'));
      res.end(JSON.stringify({ unique: ids ? ids.size : 0, batches }));
      return;
    }
    if (req.method === 'DELETE' && url.pathname === '/_capture') { runs.clear(); batches = 0; res.end('{}'); return; }
    let payload;
    try { payload = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.statusCode = 400; res.end('{"success":false}'); return; }
    const call = url.pathname.slice(4);
    const list = call === 'batch' ? payload.batch : [payload];
    if (call === 'batch') batches++;
    for (const m of list) {
      const run = m?.properties?.run;
      if (run === undefined) continue;
      let ids = runs.get(run);
      if (!ids) runs.set(run, (ids = new Set()));
      ids.add(m.messageId);
    }
    res.setHeader('content-type', 'application/json');
    res.end('{"success":true}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export async function spawnCaptureSink() {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (c) => reject(new Error(`capture sink exited (${c})`)));
  });
  const get = async () => (await fetch(`${url}/_capture?run=`)).json();
  return {
    url,
    /** The sink's own process: its CPU time says what receiving cost (bench/import.mjs). */
    pid: child.pid,
    reset: () => fetch(`${url}/_capture`, { method: 'DELETE' }),
    /** Unique messageIds that arrived with this run tag. */
    delivered: async (run) => (await (await fetch(`${url}/_capture?run=${encodeURIComponent(run)}`)).json()).unique,
    /** Batch requests since the last reset. */
    batchRequests: async () => (await get()).batches,
    close: () => new Promise((r) => { child.once('exit', r); child.stdin.end(); }),
  };
}
