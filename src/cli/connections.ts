import { createApp, type App } from '../app.js';
import { parseRegion } from '../config/runtime.js';
import { ConnectionNameError, StoreConnectionService } from '../connections/service.js';
import { setAsideStores, type Secrets } from '../connections/store.js';
import type { ConnectionStatus } from '../connections/types.js';
import { EXIT, readStdin, UsageError, type CommandSpec } from './common.js';
import { renderList, renderStatus } from './connections-output.js';
import { forTerminal, oneLine } from '../util/printable.js';
import { terminalWidth } from './table.js';
import { PromptCancelled, promptHidden } from './prompt-secret.js';
import { askOnTerminal } from './tty-confirm.js';

const SUBCOMMANDS = ['list', 'add', 'verify', 'remove'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

export const connectionsCommand: CommandSpec = {
  name: 'connections',
  summary: 'List, add, verify or remove stored Segment connections.',
  subcommands: {
    list: 'The stored connections (and one from the environment), masked, with their last known status.',
    add: 'Store a write key and/or a Public API token (asked for hidden, or --stdin), checked with Segment.',
    verify: 'Check a connection with Segment now.',
    remove: 'Delete a stored connection (asks first on a terminal).',
  },
  exitCodes: '0 success, 1 the check or the change failed, 2 usage error, 4 nothing is configured (or nothing to remove)',
  usage: 'segment-router connections list|add|verify|remove [--name N] [--region us|eu] [--stdin] [--skip-verify] [--new-key] [--yes] [--json]',
  options: {
    name: { type: 'string', description: 'Connection name (default: $SEGMENT_ROUTER_CONNECTION, else "default").' },
    region: { type: 'string', description: 'add: the workspace\'s region, us or eu (default: the stored one, else us).' },
    stdin: { type: 'boolean', description: 'add: read {"writeKey": ..., "token": ...} as JSON from standard input instead of prompting.' },
    'skip-verify': { type: 'boolean', description: 'add: store without checking with Segment (offline set-up).' },
    'new-key': { type: 'boolean', description: 'add: make a new key file when it is missing although connections were stored with it (they stay unreadable).' },
    yes: { type: 'boolean', short: 'y', description: 'remove: do not ask before removing (it asks only on a terminal).' },
    json: { type: 'boolean', description: 'Machine-readable output on stdout.' },
  },
  async run({ values, positionals }) {
    const [sub, ...extra] = positionals;
    // Arguments are echoed only when they look like words: a pasted secret must not land in the terminal.
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`connections needs one of ${SUBCOMMANDS.join(', ')}${sub ? `; got ${/^[a-z-]{1,20}$/.test(sub) ? `"${sub}"` : 'something else (not shown)'}` : ''}.`);
    if (extra.length) throw new UsageError('Unexpected extra argument (not shown). Secrets are never taken from the command line: use the prompt or --stdin.');
    if (sub !== 'add' && (values.stdin || values['skip-verify'] || values.region || values['new-key'])) throw new UsageError('--stdin, --skip-verify, --region and --new-key apply to "connections add" only.');
    if (sub !== 'remove' && values.yes) throw new UsageError('--yes applies to "connections remove" only.');
    const json = !!values.json;
    const name = values.name as string | undefined;

    // add/remove act on the store: environment credentials of this shell must not get in the way.
    const onStore = sub === 'add' || sub === 'remove';
    const env = onStore ? { ...process.env, SEGMENT_WRITE_KEY: undefined, SEGMENT_PUBLIC_API_TOKEN: undefined } : process.env;
    const app = createApp({ env, logLevel: process.env.SEGMENT_ROUTER_LOG_LEVEL ?? 'warn', surface: 'cli' });
    try {
      const svc = app.connections;
      if (!(svc instanceof StoreConnectionService)) throw new Error('This build has no credential store.');
      return await runSub(sub as Sub, svc, app, { name, json, values });
    } catch (err) {
      if (err instanceof ConnectionNameError) throw new UsageError(err.message);
      throw err;
    } finally {
      await app.close();
    }
  },
};

interface Ctx {
  name?: string;
  json: boolean;
  values: Record<string, unknown>;
}

async function runSub(sub: Sub, svc: StoreConnectionService, app: App, ctx: Ctx): Promise<number> {
  const out = (data: unknown, text: string) => process.stdout.write((ctx.json ? app.redactor.text(JSON.stringify(data)) : forTerminal(app.redactor.text(text))) + '\n');
  const err = (text: string) => process.stderr.write(forTerminal(app.redactor.text(text)) + '\n');
  const envNote = () => {
    const target = ctx.name ?? svc.active;
    if (target === svc.active && (process.env.SEGMENT_WRITE_KEY || process.env.SEGMENT_PUBLIC_API_TOKEN)) {
      err(`Note: SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN are set in this environment; where they are set they take precedence over the stored "${target}" connection.`);
    }
  };

  switch (sub) {
    case 'list': {
      const list = svc.listOffline();
      const rows = list.map((s) => ({ ...s, credentials: svc.masked(s.connection) }));
      out({ connections: rows }, rows.length ? renderList(rows, svc.active, terminalWidth()) : 'No connections. Add one with "segment-router connections add", or ask your assistant to connect Segment (it opens a page in your browser).');
      // A damaged store set aside earlier: its connections are missing from this list (said on every run, not once).
      const aside = setAsideStores(app.config.home);
      if (aside.length) err(`Note: a damaged connections file was set aside (${aside.map(oneLine).join(', ')}); the connections it held are not listed or used. Add them again with "segment-router connections add", then delete that file.`);
      return EXIT.ok;
    }
    case 'verify': {
      const status = await svc.status({ connection: ctx.name, verify: true });
      out({ connection: status, credentials: svc.masked(status.connection) }, renderStatus(status, svc.masked(status.connection)));
      // Nothing to check: say how to connect, and which stored connections there are to check instead.
      if (!ctx.json && status.status === 'REQUIRES_PARAMETERS') {
        const others = svc.listOffline().map((c) => c.connection).filter((n) => n !== status.connection);
        err(`Nothing is configured for "${status.connection}". Add it with: segment-router connections add${status.connection === 'default' ? '' : ` --name ${status.connection}`} (or try without an account: segment-router sandbox).${others.length ? ` Stored: ${others.join(', ')}; check one with: segment-router connections verify --name ${others[0]}.` : ''}`);
      }
      return exitFor(status);
    }
    case 'remove': {
      const target = ctx.name ?? svc.active;
      // A person at a terminal confirms first; scripts (no terminal) and --yes go straight on.
      if (!ctx.values.yes && svc.isStored(target)) {
        const s = svc.listOffline().find((c) => c.connection === target);
        const m = svc.masked(target);
        const what = [m.writeKey && `write key ${m.writeKey}`, m.token && `token ${m.token}`, s?.workspace && `workspace "${s.workspace.name}"`].filter(Boolean).join(', ');
        const yes = await askOnTerminal(`Remove the stored connection "${target}"${what ? ` (${what})` : ''}? Its secrets are deleted from this computer.`);
        if (yes === false) {
          err('Nothing was removed.');
          return EXIT.failed;
        }
      }
      const r = await svc.disconnect(ctx.name);
      if (!r.ok) {
        err(`${r.message} ${r.hint}`);
        return EXIT.notConnected;
      }
      out({ removed: r.removed }, `Removed the stored connection "${r.removed}".`);
      envNote();
      return EXIT.ok;
    }
    case 'add': {
      const name = ctx.name ?? svc.active;
      const stored = svc.listOffline().find((s) => s.connection === name);
      const region = ctx.values.region !== undefined ? parseRegion(ctx.values.region as string, '--region') : (stored?.region ?? 'us');
      const secrets = ctx.values.stdin ? parseStdinSecrets(await readStdin('--stdin reads from a pipe, e.g. ... | segment-router connections add --stdin', 64 * 1024)) : await promptSecrets(!!stored);
      if (!secrets.writeKey && !secrets.token && !stored) throw new UsageError('Nothing to add: give a write key, a Public API token, or both.');
      const verify = !ctx.values['skip-verify'];
      const r = await svc.submit(name, { ...secrets, region }, { verify, newKey: !!ctx.values['new-key'] });
      if (!r.ok) {
        err(r.error);
        return EXIT.failed;
      }
      out({ connection: r.status, credentials: svc.masked(name) }, `Saved "${name}".\n${renderStatus(r.status, svc.masked(name))}`);
      envNote();
      // Checked against a stand-in (the sandbox), stored all the same: without these variables the secrets go to Segment.
      const hosts = [app.config.trackingApiUrl, app.config.publicApiUrl].filter((u): u is string => !!u);
      if (verify && hosts.length) {
        // The advice to keep a sandbox's secrets apart is for the connection every call uses by default, not for one already apart.
        const apart = name === svc.active ? ' Keep a sandbox\'s secrets under a name of their own (--name sandbox), or in the environment only.' : '';
        err(`Note: checked against ${[...new Set(hosts)].join(' and ')} (SEGMENT_TRACKING_API_URL / SEGMENT_PUBLIC_API_URL), not Segment. Stored, "${name}" is also used where those variables are not set: its secrets then go to Segment, which refuses a sandbox's.${apart}`);
      }
      return EXIT.ok;
    }
  }
}

/** 0 when what is configured works, 4 when nothing is configured, 1 when a check failed. */
function exitFor(s: ConnectionStatus): number {
  if (s.status === 'ACTIVE') return EXIT.ok;
  if (s.status === 'REQUIRES_PARAMETERS') return EXIT.notConnected;
  return EXIT.failed;
}

async function promptSecrets(hasStored: boolean): Promise<Secrets> {
  if (!process.stdin.isTTY) throw new UsageError('No terminal to prompt on. Pipe {"writeKey": "...", "token": "..."} with --stdin instead.');
  const keep = hasStored ? ', Enter keeps the stored one' : ', Enter to skip';
  process.stderr.write('Input is hidden. Secrets are stored encrypted and never shown again (at most their last 4 characters).\n');
  try {
    const writeKey = await promptHidden(`Write key (tracking${keep}): `);
    const token = await promptHidden(`Public API token (workspace tools${keep}): `);
    return { writeKey: writeKey || undefined, token: token || undefined };
  } catch (e) {
    if (e instanceof PromptCancelled) throw new UsageError('Cancelled; nothing was stored.');
    throw e;
  }
}

export function parseStdinSecrets(text: string): Secrets {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Never echo the input: it may hold a secret.
    throw new UsageError('--stdin expects a JSON object like {"writeKey": "...", "token": "..."}; the input is not valid JSON.');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError('--stdin expects a JSON object like {"writeKey": "...", "token": "..."}.');
  const extra = Object.keys(data).filter((k) => k !== 'writeKey' && k !== 'token');
  if (extra.length) throw new UsageError(`--stdin accepts only "writeKey" and "token"; unexpected ${extra.map((k) => `"${k}"`).join(', ')}.`);
  const out: Secrets = {};
  for (const k of ['writeKey', 'token'] as const) {
    const v = (data as Record<string, unknown>)[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw new UsageError(`--stdin: "${k}" must be a string.`);
    if (v.trim()) out[k] = v.trim();
  }
  return out;
}

