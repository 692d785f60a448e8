/**
 * The script's whole world besides plain JavaScript: `tools`, `console`, and clear errors for what
 * is not there. It runs inside the engine before the script, as ordinary sandboxed code: the only
 * doors to the host are the two functions it is handed (`call`, `log`), which it keeps private.
 *
 * probe(): measure the heap now (see __thrown).
 * call(slug, argsJson) -> Promise<string>: {"ok":true,"data":...} or {"ok":false,"error":{...}}.
 * log(level, line): one captured console line.
 * The prelude evaluates to encode(value) -> string, the script's answer as JSON.
 */
export const PRELUDE = String.raw`(function (call, log, probe) {
  'use strict';
  const stringify = JSON.stringify, parse = JSON.parse, isArray = Array.isArray;

  function toolError(e) {
    const err = new Error(e.message);
    err.name = 'ToolError';
    for (const k of ['kind', 'hint', 'status', 'slug', 'limit', 'details']) if (e[k] !== undefined) err[k] = e[k];
    return err;
  }

  async function callTool(slug, args) {
    if (typeof slug !== 'string' || !slug) throw new TypeError('tools.call(slug, args): slug must be a tool slug such as "SEGMENT_LIST_SOURCES".');
    if (args !== undefined && (args === null || typeof args !== 'object' || isArray(args))) throw new TypeError('tools.call(' + slug + ', args): args must be an object.');
    // Where the script made the call: the error is raised later, from the answer.
    const site = new Error().stack;
    // A toJSON may answer anything: only an object's JSON goes to the host.
    const text = stringify(args === undefined ? {} : args);
    if (typeof text !== 'string' || text.charAt(0) !== '{') throw new TypeError('tools.call(' + slug + ', args): args must serialise to a JSON object; ' + (text === undefined ? 'JSON.stringify gave nothing (a toJSON that returns undefined, a function or a symbol)' : 'it gave ' + text.slice(0, 40)) + '.');
    const answer = parse(await call(slug, text));
    if (!answer.ok) {
      const err = toolError(answer.error);
      err.stack = 'ToolError: ' + err.message + '\n' + site;
      throw err;
    }
    return answer.data;
  }

  function listOf(slug, data) {
    const keys = Object.keys(data || {}).filter((k) => isArray(data[k]));
    if (keys.length !== 1) throw new TypeError('tools.all(' + slug + '): the answer has ' + (keys.length ? 'several lists (' + keys.join(', ') + ')' : 'no list') + '; use tools.call and read data yourself.');
    return data[keys[0]];
  }

  /** Every item of a paged list: follows data.next_cursor until there is none. */
  async function all(slug, args) {
    const base = args === undefined ? {} : args;
    // One operation pages with a top-level cursor; the others with pagination.cursor.
    const flat = base && typeof base === 'object' && ('cursor' in base || 'count' in base);
    const items = [];
    const seen = new Set();
    let cursor;
    for (;;) {
      const page = cursor === undefined ? base
        : flat ? Object.assign({}, base, { cursor: cursor })
        : Object.assign({}, base, { pagination: Object.assign({}, base.pagination, { cursor: cursor }) });
      const data = await callTool(slug, page);
      // all_pages passed along: the router's own paging said the list is not whole (a looping cursor, its page limit).
      if (data && data.complete === false && !data.next_cursor) throw new Error('tools.all(' + slug + '): the list came back incomplete: ' + String(data.note || 'the pages stopped early').slice(0, 300) + ' ' + items.length + ' items were read before it.');
      for (const item of listOf(slug, data)) items.push(item);
      cursor = data && data.next_cursor;
      if (cursor === undefined || cursor === null || cursor === '') return items;
      // An API that hands back a cursor it gave before would be followed to the tool-call limit.
      if (seen.has(cursor)) throw new Error('tools.all(' + slug + '): the answer gave a next_cursor it gave before (' + String(cursor).slice(0, 40) + '), so the pages would repeat forever; ' + items.length + ' items were read. Use tools.call page by page.');
      seen.add(cursor);
    }
  }

  function show(v) {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.name + ': ' + v.message;
    try {
      const s = stringify(v);
      return s === undefined ? String(v) : s;
    } catch (e) {
      // Not JSON (a cycle, a BigInt, nesting past the stack): String() of a cyclic array recurses
      // until the engine stops the whole script, and of an object says nothing.
      try {
        return sketch(v);
      } catch (e2) {
        return '[a value that cannot be shown]';
      }
    }
  }

  // A value JSON cannot write, shown as JSON would show it where it can: BigInts as 10n, a value
  // inside itself as [circular], at most SKETCH_DEPTH levels, SKETCH_ITEMS members a level, SKETCH_CHARS in all.
  const SKETCH_DEPTH = 8, SKETCH_ITEMS = 50, SKETCH_CHARS = 2000;
  /** A member whose getter threw. */
  const UNREADABLE = {};
  function sketch(v) {
    const open = [];
    let out = '';
    const put = (s) => (out += s).length < SKETCH_CHARS;
    // Where JSON leaves a value out (undefined, a function, a symbol): out of an object, null in an array.
    const absent = (x) => x === undefined || typeof x === 'function' || typeof x === 'symbol';
    function walk(x, depth) {
      if (typeof x === 'bigint') return put(String(x) + 'n');
      if (x === null || typeof x !== 'object') return put(absent(x) ? 'null' : stringify(x));
      if (open.indexOf(x) >= 0) return put('[circular]');
      const list = isArray(x);
      // Before toJSON: one that answers a new object with a toJSON of its own would go on for ever.
      if (depth >= SKETCH_DEPTH) return put(list ? '[…]' : '{…}');
      if (typeof x.toJSON === 'function') {
        const j = x.toJSON();
        if (j !== x) return walk(j, depth + 1);
      }
      open.push(x);
      const keys = list ? undefined : Object.keys(x);
      const n = list ? x.length : keys.length;
      let ok = put(list ? '[' : '{');
      let shown = 0;
      for (let i = 0; ok && i < n; i++) {
        let v;
        try {
          v = list ? x[i] : x[keys[i]];
        } catch (e) {
          v = UNREADABLE;
        }
        if (!list && absent(v)) continue;
        if (shown > 0 && !put(',')) break;
        if (shown++ === SKETCH_ITEMS) {
          ok = put('…');
          break;
        }
        if (!list && !put(stringify(keys[i]) + ':')) break;
        ok = v === UNREADABLE ? put('[unreadable]') : walk(v, depth + 1);
      }
      open.pop();
      return ok && put(list ? ']' : '}');
    }
    walk(v, 0);
    return out.length < SKETCH_CHARS ? out : out.slice(0, SKETCH_CHARS) + '…';
  }
  const logger = (level) => function () {
    const parts = [];
    for (let i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
    log(level, parts.join(' '));
  };

  const unavailable = (name) => function () {
    throw new Error(name + ' is not available in RUN_SCRIPT: scripts run in a sandbox without timers, network, files or modules. Reach Segment through tools.call(slug, args).');
  };

  const g = globalThis;
  Object.defineProperty(g, 'tools', { value: Object.freeze({ call: callTool, all: all }), enumerable: true });
  Object.defineProperty(g, 'console', { value: Object.freeze({ log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('debug') }), enumerable: true });
  for (const name of ['require', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'XMLHttpRequest', 'WebSocket']) {
    Object.defineProperty(g, name, { value: unavailable(name), enumerable: false });
  }

  // The script's own catch-all (see wrapScript): a thrown null is what running out of memory
  // while raising "out of memory" leaves behind, so the host measures the heap right then.
  Object.defineProperty(g, '__thrown', { value: function (e) { if (e === null || e === undefined) probe(); return e; }, enumerable: false });

  return function encode(value) {
    const s = value === undefined ? undefined : stringify(value);
    return s === undefined ? 'null' : s;
  };
})`;

/**
 * The script as the body of an async function, starting on the first line so error positions
 * match the script's own lines.
 */
/** What comes before the script on its first line (engine.ts counts it out of error columns). */
export const SCRIPT_OPENING = '(async () => { try {';

export function wrapScript(script: string): string {
  return `${SCRIPT_OPENING}${script}\n} catch (e) { throw __thrown(e); } })()`;
}
