import { isHomeUnusable } from '../config/home.js';
import type { Surface, ToolNames } from '../config/runtime.js';
import { shortName } from '../registry/short-names.js';
import { directName, type MetaTool } from '../registry/slug.js';
import type { Capability, CapabilityStatus, ConnectionState } from '../registry/types.js';

/**
 * What to do next, in one place, in the words of whoever reads it. An agent over MCP acts through
 * the meta tools and cannot restart the server; a person at the command line acts through commands
 * and flags. Every hint the router gives (unknown slug, bad arguments, a refused or unconfirmed
 * write, a missing or refused credential) comes from here.
 */
export type { Surface };

/** What the connection hint needs to know; status.ts builds it from what it knows. */
export interface ConnectionFacts {
  name: string;
  source: 'env' | 'store' | 'none';
  state: ConnectionState;
  capabilities: Record<Capability, CapabilityStatus>;
  /** Why the stored credentials cannot be read at all. */
  problem?: string;
  /** When an open connect link expires (state INITIATED). */
  connectExpiresAt?: string;
  /** Capabilities whose last check failed only because Segment could not be reached. */
  unreachable: Capability[];
}

export interface Hints {
  unknownTool(suggestions: string[]): string;
  /** A meta tool's name given as a Segment tool's slug. */
  metaTool(name: MetaTool): string;
  /** Arguments failed the tool's schema (nothing was sent). */
  invalidArguments(slug: string): string;
  /** Arguments failed a rule beyond the schema (nothing was sent). */
  fixArguments(slug: string): string;
  argumentsNotJson(): string;
  refusedDestructive(slug: string): string;
  refusedWrite(slug: string): string;
  /** --write=ask but nobody can be asked. */
  cannotAsk(): string;
  declined(): string;
  /** How to check a credential again. */
  verify(): string;
  /** Where to look when a connection is not ready and no better instruction exists. */
  checkConnection(): string;
  connection(facts: ConnectionFacts): string | undefined;
  /** The Public API refused the token (401/403). */
  tokenRefused(): string;
  /** Segment rejected arguments the schema let through (400/422). */
  rejectedBySegment(slug: string): string;
  /** Any other client error from Segment. */
  otherUpstream(slug: string): string;
  /** An id Segment does not know: where to look ids up (the list tools' slugs). */
  lookUpIds(listSlugs: string[]): string;
}

const ENV_NAMES: Record<Capability, string> = { tracking: 'SEGMENT_WRITE_KEY', public_api: 'SEGMENT_PUBLIC_API_TOKEN' };
const THE: Record<Capability, string> = { tracking: 'the write key', public_api: 'the Public API token' };
const ENABLES: Record<Capability, string> = { tracking: 'tracking (a write key)', public_api: 'workspace tools (a Public API token)' };

const UNVERIFIED_WRITE_KEY = "The write key could not be verified (see capabilities.tracking): tracking calls will be sent, but Segment accepts unknown keys silently; check the source's Debugger in Segment after a first event, or connect a token that can read sources to verify it.";

function entries(caps: Record<Capability, CapabilityStatus>) {
  const all = Object.entries(caps) as [Capability, CapabilityStatus][];
  return {
    bad: all.filter(([, c]) => c.state === 'FAILED' || c.state === 'EXPIRED').map(([k]) => k),
    missing: all.filter(([, c]) => c.state === 'REQUIRES_PARAMETERS').map(([k]) => k),
  };
}

/** The shape shared by both wordings: which situation the connection is in. */
function connectionHint(
  f: ConnectionFacts,
  w: {
    connect: string;
    initiated: string;
    none: string;
    unreachable: string;
    envReplace: (names: string) => string;
    envSet: (names: string) => string;
    writeKeyUnverified: string;
  },
): string | undefined {
  const { bad, missing } = entries(f.capabilities);
  const env = f.source === 'env';
  switch (f.state) {
    case 'INITIATED':
      return w.initiated;
    case 'REQUIRES_PARAMETERS':
      return w.none;
    case 'FAILED':
    case 'EXPIRED': {
      // The Tracking API never refuses a key: a write key fails when no source of the token's workspace has it.
      const which = bad.map((k) => THE[k]).join(' and ');
      const failed = bad.length === 1 && bad[0] === 'tracking' ? 'No source of the workspace has the write key' : `Segment refused ${which}`;
      // The config home itself cannot be read: its message already says what to set (SEGMENT_ROUTER_HOME).
      if (isHomeUnusable(f.problem)) return f.problem!;
      if (f.problem) return `The stored credentials cannot be decrypted (${f.problem}). Restore the key, or ${w.connect} to store them again.`;
      if (bad.every((k) => f.unreachable.includes(k))) return w.unreachable;
      return env
        ? `${failed} (see capabilities). ${w.envReplace(bad.map((k) => ENV_NAMES[k]).join(' and '))}`
        : `${failed} (see capabilities). To replace ${bad.length > 1 ? 'them' : 'it'}, ${w.connect}. Then confirm ACTIVE.`;
    }
    default: {
      const notes: string[] = [];
      if (f.capabilities.tracking.state === 'UNVERIFIED' && f.capabilities.public_api.state !== 'UNVERIFIED') notes.push(w.writeKeyUnverified);
      if (missing.length) {
        const what = missing.map((k) => ENABLES[k]).join(' and ');
        notes.push(`Ready for what is configured. To also enable ${what}, ${env ? w.envSet(missing.map((k) => ENV_NAMES[k]).join(' and ')) : w.connect}.`);
      }
      return notes.length ? notes.join(' ') : undefined;
    }
  }
}

/** For agents: they act through the meta tools; restarting the server is the operator's job. */
export const MCP_HINTS: Hints = {
  unknownTool: (s) =>
    s.length ? `Did you mean ${s.join(', ')}? Use SEARCH_TOOLS to find the right slug.` : 'Use SEARCH_TOOLS with a plain description of the task to find the right slug.',
  metaTool: (name) => `Call ${name} itself, as a tool of this server. EXECUTE_TOOL and scripts run Segment tools (slugs such as SEGMENT_TRACK).`,
  invalidArguments: () => "Fix the fields named above and call again; nothing was sent. SEARCH_TOOLS shows the tool's input schema.",
  fixArguments: () => 'Fix the fields named above and call again; nothing was sent.',
  argumentsNotJson: () => 'Pass arguments as a JSON object, e.g. {"userId": "u1", "event": "Signed Up"}. Nothing was sent.',
  refusedDestructive: () => 'An operator can enable it by restarting segment-router with --allow-destructive together with --write=ask or --write=allow.',
  refusedWrite: () =>
    'An operator can restart segment-router with --write=ask (confirm each write) or --write=allow. A dry run ("dry_run": true) shows the request without sending it.',
  cannotAsk: () => 'Use a client that supports MCP elicitation, or have the operator restart segment-router with --write=allow.',
  declined: () => 'The user did not confirm; do not retry unless they ask for it.',
  verify: () => 'MANAGE_CONNECTIONS action "verify" checks it',
  checkConnection: () => 'Check MANAGE_CONNECTIONS and follow its instruction.',
  connection: (f) => {
    const name = f.name === 'default' ? '' : `, connection: "${f.name}"`;
    const connect = `call MANAGE_CONNECTIONS with action "connect"${name} and give the user the returned redirect_url to open in a browser on this computer; they paste the credentials there, never into the chat`;
    return connectionHint(f, {
      connect,
      initiated: `A connect page is open until ${f.connectExpiresAt}. Ask the user to open redirect_url in a browser on this computer and submit the form; then call MANAGE_CONNECTIONS with action "wait" (it returns once they have submitted it) and confirm ACTIVE before running tools.`,
      none: `No Segment credentials are configured${name ? ` for "${f.name}"` : ''}. To connect, ${connect}. (An operator can also run "segment-router connections add".)`,
      unreachable: 'Segment could not be reached to check the credentials. Call MANAGE_CONNECTIONS with action "verify" again shortly.',
      envReplace: (names) => `The operator replaces ${names} in the MCP client's configuration and restarts segment-router.`,
      envSet: (names) => `the operator sets ${names}`,
      writeKeyUnverified: UNVERIFIED_WRITE_KEY,
    });
  },
  tokenRefused: () =>
    'Do not retry with the same token. Check MANAGE_CONNECTIONS; the operator sets SEGMENT_PUBLIC_API_TOKEN to a token whose role covers this resource (e.g. Workspace Owner, or Source Admin for a source) and restarts. An EU workspace also needs region eu.',
  rejectedBySegment: () => 'Fix the named fields and call again; nothing was changed. SEARCH_TOOLS shows the input schema and pitfalls.',
  otherUpstream: () => 'Check the arguments against SEARCH_TOOLS; nothing suggests a retry would help.',
  lookUpIds: (slugs) => `Look the id up with ${slugs.join(' or ')}.`,
};

/** A command as the person types it (no quotes around it: the examples hold quotes of their own). */
const cmd = (c: string) => `segment-router ${c}`;

/** The command that does a meta tool's job for a person. */
const META_COMMANDS: Record<MetaTool, string> = { SEARCH_TOOLS: 'search "<what you want to do>"', MANAGE_CONNECTIONS: 'connections', EXECUTE_TOOL: 'call SLUG', RUN_SCRIPT: 'run FILE.js' };

/** For a person at the terminal: name the command or flag to type. */
export const CLI_HINTS: Hints = {
  unknownTool: (s) =>
    `${s.length ? `Did you mean ${s.join(', ')}? ` : ''}Find the right slug with ${cmd('search "<what you want to do>"')}; ${cmd('tools')} lists them all.`,
  metaTool: (name) => `On the command line its job is done by ${cmd(META_COMMANDS[name])}. call and run take Segment tools (slugs such as SEGMENT_TRACK).`,
  invalidArguments: (slug) => `Fix the fields named above and run it again; nothing was sent. The input schema: ${cmd(`schema ${slug}`)}`,
  fixArguments: (slug) => `Fix the fields named above and run it again; nothing was sent. The input schema: ${cmd(`schema ${slug}`)}`,
  argumentsNotJson: () => 'Pass --args a JSON object, e.g. --args \'{"userId":"u1","event":"Signed Up"}\'. Nothing was sent.',
  refusedDestructive: (slug) => `Add --allow-destructive together with --write=ask (asks before sending) or --write=allow: ${cmd(`call ${slug} --args '{...}' --allow-destructive --write=ask`)}`,
  refusedWrite: (slug) =>
    `Add --write=ask to confirm each write at a prompt, or --write=allow to send without asking (--dry-run shows the request and sends nothing): ${cmd(`call ${slug} --args '{...}' --write=ask`)}`,
  cannotAsk: () => 'Run the command in a terminal to answer the prompt, or pass --write=allow to run writes without asking.',
  declined: () => 'Nothing was sent. Run the command again and answer "y" to send it.',
  verify: () => `${cmd('connections verify')} checks it`,
  checkConnection: () => `See the connection's state with ${cmd('connections verify')}, or check the whole set-up with ${cmd('doctor')}.`,
  connection: (f) => {
    const flag = f.name === 'default' ? '' : ` --name ${f.name}`;
    const connect = `run ${cmd(`connections add${flag}`)} (it asks for the secrets, hidden)`;
    return connectionHint(f, {
      connect,
      initiated: `A connect page is open until ${f.connectExpiresAt}: submit it in the browser, or ${connect}.`,
      none: `No Segment credentials are configured${flag ? ` for "${f.name}"` : ''}. To connect, ${connect}, or set SEGMENT_WRITE_KEY / SEGMENT_PUBLIC_API_TOKEN in the environment. To try without an account, run ${cmd('sandbox')}: a local stand-in for Segment.`,
      unreachable: `Segment could not be reached to check the credentials. Run ${cmd('connections verify')} again shortly, or ${cmd('doctor')} to check the whole set-up.`,
      envReplace: (names) => `Replace ${names} in this environment (or unset ${names.includes(' and ') ? 'them' : 'it'} to use a stored connection).`,
      envSet: (names) => `set ${names} in this environment`,
      writeKeyUnverified:
        "The write key could not be verified: tracking calls will be sent, but Segment accepts unknown keys silently; check the source's Debugger in Segment after a first event, or add a Public API token that can read sources so the key can be checked.",
    });
  },
  tokenRefused: () =>
    `Do not retry with the same token. Replace it with ${cmd('connections add')} (or SEGMENT_PUBLIC_API_TOKEN) by a token whose role covers this resource (e.g. Workspace Owner, or Source Admin for a source); ${cmd('connections verify')} checks it. An EU workspace also needs --region eu.`,
  rejectedBySegment: (slug) => `Fix the named fields and run it again; nothing was changed. The input schema: ${cmd(`schema ${slug}`)}`,
  otherUpstream: (slug) => `Check the arguments against the input schema (${cmd(`schema ${slug}`)}); nothing suggests a retry would help.`,
  lookUpIds: (slugs) => `Look the id up with ${slugs.map((s) => cmd(`call ${s}`)).join(' or ')}.`,
};

/**
 * For an agent in direct mode: each Segment tool is its own MCP tool, named as tools/list names it; there
 * is no SEARCH_TOOLS, MANAGE_CONNECTIONS or dry run, so what the agent cannot do is the operator's command.
 */
function directHints(name: (slug: string) => string): Hints {
  const operator = (c: string) => `the operator runs ${cmd(c)}`;
  return {
    ...MCP_HINTS,
    unknownTool: () => 'tools/list shows the tools this server offers.',
    metaTool: (meta) => `${meta} is not offered in direct mode: each Segment tool is its own tool here (tools/list).`,
    invalidArguments: () => "Fix the fields named above and call again; nothing was sent. The tool's inputSchema (tools/list) gives every field.",
    refusedWrite: () => 'An operator can restart segment-router with --write=ask (confirm each write) or --write=allow.',
    verify: () => `${operator('connections verify')} to check it`,
    checkConnection: () => `Ask the user to check the connection: ${operator('connections verify')}, or ${cmd('doctor')} for the whole set-up.`,
    connection: (f) => {
      const flag = f.name === 'default' ? '' : ` --name ${f.name}`;
      const connect = `ask the user to run ${cmd(`connections add${flag}`)} in a terminal (it asks for the secrets, hidden; never paste them into the chat)`;
      return connectionHint(f, {
        connect,
        initiated: `A connect page is open until ${f.connectExpiresAt}: ask the user to submit it in the browser, or ${connect}.`,
        none: `No Segment credentials are configured${flag ? ` for "${f.name}"` : ''}. To connect, ${connect}.`,
        unreachable: `Segment could not be reached to check the credentials; call again shortly, or ${operator('connections verify')}.`,
        envReplace: (names) => `The operator replaces ${names} in the MCP client's configuration and restarts segment-router.`,
        envSet: (names) => `the operator sets ${names}`,
        writeKeyUnverified: UNVERIFIED_WRITE_KEY.replace(' (see capabilities.tracking)', ''),
      });
    },
    tokenRefused: () =>
      `Do not retry with the same token. Ask the user to replace it with ${cmd('connections add')} (or SEGMENT_PUBLIC_API_TOKEN in the MCP client's configuration) by a token whose role covers this resource (e.g. Workspace Owner, or Source Admin for a source). An EU workspace also needs region eu.`,
    rejectedBySegment: () => "Fix the named fields and call again; nothing was changed. The tool's description lists its pitfalls.",
    otherUpstream: () => "Check the arguments against the tool's inputSchema; nothing suggests a retry would help.",
    lookUpIds: (slugs) => `Look the id up with ${slugs.map(name).join(' or ')}.`,
  };
}

const DIRECT_HINTS = directHints(directName);
const DIRECT_SHORT_HINTS = directHints((slug) => shortName(slug));

/** `toolNames`: direct mode's naming (--tool-names), so a hint names a tool as tools/list does. */
export function hintsFor(surface: Surface | undefined, toolNames?: ToolNames): Hints {
  if (surface === 'direct') return toolNames === 'short' ? DIRECT_SHORT_HINTS : DIRECT_HINTS;
  return surface === 'cli' ? CLI_HINTS : MCP_HINTS;
}
