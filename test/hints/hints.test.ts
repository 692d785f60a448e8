import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { refusalPage } from '../../src/connections/connect-page.js';
import { CLI_HINTS, MCP_HINTS, type ConnectionFacts, type Hints } from '../../src/hints/hints.js';
import type { CapabilityStatus } from '../../src/connections/types.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { TOKEN, WRITE_KEY, callTool, expectNoSecrets, sandboxEnv, startRouter } from '../helpers/router.js';
import { runCli } from '../helpers/cli-process.js';

const META = /SEARCH_TOOLS|MANAGE_CONNECTIONS|EXECUTE_TOOL|redirect_url|\boperator\b|dry_run/;
const COMMANDS = /segment-router (call|schema|search|tools|connections|doctor|sandbox)\b/;

const cap = (state: CapabilityStatus['state']): CapabilityStatus => ({ state, detail: state });
const facts = (f: Partial<ConnectionFacts>): ConnectionFacts => ({
  name: 'default',
  source: 'store',
  state: 'REQUIRES_PARAMETERS',
  capabilities: { tracking: cap('REQUIRES_PARAMETERS'), public_api: cap('REQUIRES_PARAMETERS') },
  unreachable: [],
  ...f,
});

/** Every situation a hint exists for, with what each wording gives for it. */
function everyHint(h: Hints): Record<string, string | undefined> {
  return {
    unknownWithSuggestions: h.unknownTool(['SEGMENT_TRACK']),
    unknownBare: h.unknownTool([]),
    invalid: h.invalidArguments('SEGMENT_TRACK'),
    fix: h.fixArguments('SEGMENT_TRACK'),
    json: h.argumentsNotJson(),
    destructive: h.refusedDestructive('SEGMENT_DELETE_SOURCE'),
    write: h.refusedWrite('SEGMENT_TRACK'),
    cannotAsk: h.cannotAsk(),
    declined: h.declined(),
    verify: h.verify(),
    check: h.checkConnection(),
    none: h.connection(facts({})),
    noneNamed: h.connection(facts({ name: 'staging' })),
    initiated: h.connection(facts({ state: 'INITIATED', connectExpiresAt: '2026-12-04T10:00:00Z' })),
    refusedStore: h.connection(facts({ state: 'FAILED', capabilities: { tracking: cap('FAILED'), public_api: cap('ACTIVE') } })),
    refusedEnv: h.connection(facts({ state: 'EXPIRED', source: 'env', capabilities: { tracking: cap('ACTIVE'), public_api: cap('EXPIRED') } })),
    unreachable: h.connection(facts({ state: 'FAILED', capabilities: { tracking: cap('ACTIVE'), public_api: cap('FAILED') }, unreachable: ['public_api'] })),
    undecryptable: h.connection(facts({ state: 'FAILED', problem: 'the key file was replaced', capabilities: { tracking: cap('FAILED'), public_api: cap('FAILED') } })),
    partial: h.connection(facts({ state: 'ACTIVE', capabilities: { tracking: cap('UNVERIFIED'), public_api: cap('REQUIRES_PARAMETERS') } })),
    token: h.tokenRefused(),
    rejected: h.rejectedBySegment('SEGMENT_CREATE_SOURCE'),
    upstream: h.otherUpstream('SEGMENT_CREATE_SOURCE'),
  };
}

describe('one place for hints, one wording per surface', () => {
  it('the command-line wording never names a meta tool or an operator; the agent wording never tells it to run a command', () => {
    const cli = everyHint(CLI_HINTS);
    const mcp = everyHint(MCP_HINTS);
    for (const [situation, text] of Object.entries(cli)) {
      expect(text, situation).toBeTruthy();
      expect(text, situation).not.toMatch(META);
    }
    for (const [situation, text] of Object.entries(mcp)) {
      expect(text, situation).toBeTruthy();
      // The agent is told what the operator can run, never to run a CLI command itself.
      expect(text, situation).not.toMatch(/segment-router (call|schema|search|tools|doctor|sandbox)\b/);
    }
  });

  it('the command line names the command that fixes it', () => {
    const cli = everyHint(CLI_HINTS);
    expect(cli.none).toContain('segment-router connections add');
    expect(cli.noneNamed).toContain('segment-router connections add --name staging');
    expect(cli.invalid).toContain('segment-router schema SEGMENT_TRACK');
    expect(cli.write).toContain('--write=allow');
    expect(cli.write).toContain('--write=ask');
    expect(cli.destructive).toContain('--allow-destructive');
    expect(cli.unknownWithSuggestions).toMatch(/Did you mean SEGMENT_TRACK\?.*segment-router search/);
    expect(cli.refusedEnv).toContain('SEGMENT_PUBLIC_API_TOKEN');
    expect(cli.unreachable).toContain('segment-router connections verify');
    for (const text of Object.values(cli)) expect(text).toMatch(new RegExp(`${COMMANDS.source}|--|SEGMENT_|"y"|Fix|Restore|connect page`));
  });

  it('the connect page speaks to the person in the browser: no meta tool names', () => {
    const page = refusalPage('Link expired', 'This link has expired.', 'nonce');
    expect(page).not.toMatch(META);
    expect(page).toContain('segment-router connections add');
  });

  it('agents are sent to the meta tools', () => {
    const mcp = everyHint(MCP_HINTS);
    expect(mcp.none).toMatch(/MANAGE_CONNECTIONS with action "connect"/);
    expect(mcp.invalid).toContain('SEARCH_TOOLS');
    expect(mcp.write).toMatch(/operator can restart segment-router with --write=ask/);
    expect(mcp.unknownBare).toContain('SEARCH_TOOLS');
  });
});

describe('the CLI speaks to the person running it', () => {
  let sb: Sandbox;
  let env: Record<string, string>;
  const TRACK = JSON.stringify({ userId: 'u1', event: 'Signed Up' });
  beforeAll(async () => {
    sb = await startSandbox({ tokens: [TOKEN], writeKeys: [WRITE_KEY] });
    env = sandboxEnv(sb);
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  async function cli(args: string[], extraEnv: Record<string, string> = {}) {
    const r = await runCli(args, { env: { ...env, ...extraEnv } });
    expectNoSecrets(r.stdout, r.stderr);
    expect(r.stdout + r.stderr).not.toMatch(META);
    return r;
  }

  it('no credentials: names "segment-router connections add", exit 4', async () => {
    const r = await cli(['call', 'SEGMENT_LIST_SOURCES'], { SEGMENT_WRITE_KEY: '', SEGMENT_PUBLIC_API_TOKEN: '' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^Hint: .*segment-router connections add/m);
  });

  it('invalid arguments: names "segment-router schema SLUG"', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', '{"userId":"u1"}', '--write=allow']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('segment-router schema SEGMENT_TRACK');
  });

  it('a refused write: names --write=ask / --write=allow, no "operator"', async () => {
    const r = await cli(['call', 'SEGMENT_TRACK', '--args', TRACK]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Hint: Add --write=ask .* or --write=allow/);
    const destructive = await cli(['call', 'SEGMENT_DELETE_SOURCE', '--args', '{"sourceId":"s1"}', '--write=allow']);
    expect(destructive.code).toBe(3);
    expect(destructive.stderr).toContain('--allow-destructive');
  });

  it('an unknown slug: suggestions and "segment-router search"', async () => {
    const r = await cli(['call', 'SEGMENT_TRAK', '--args', '{}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Did you mean SEGMENT_TRACK.*segment-router search/);
  });

  it('a token Segment refuses: names "segment-router connections add", not MANAGE_CONNECTIONS', async () => {
    const r = await cli(['call', 'SEGMENT_LIST_SOURCES', '--json'], { SEGMENT_PUBLIC_API_TOKEN: 'sgp_not_the_right_token_0000' });
    expect(r.code).toBe(4); // docs/cli.md: 4 = the credential missing or refused
    const out = JSON.parse(r.stdout);
    expect(out.error.kind).toBe('auth');
    expect(out.error.hint).toContain('segment-router connections add');
  });

  it('the same situations over MCP still speak to the agent', async () => {
    const router = await startRouter({ env: { ...env, SEGMENT_PUBLIC_API_TOKEN: '' } });
    try {
      const write = await callTool(router.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_TRACK', arguments: JSON.parse(TRACK) });
      expect(write.structured.error.hint).toMatch(/operator can restart segment-router/);
      const read = await callTool(router.client, 'EXECUTE_TOOL', { tool_slug: 'SEGMENT_LIST_SOURCES', arguments: {} });
      expect(read.structured.error.hint).toMatch(/the operator sets SEGMENT_PUBLIC_API_TOKEN/);
    } finally {
      await router.close();
    }
  });
});
