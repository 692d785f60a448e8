import { createApp, type App } from '../app.js';
import type { Surface } from '../hints/hints.js';
import { checkScope } from './scope.js';
import { listFlag, type OptionSpec } from './common.js';

/** Flags shared by the commands that build an App, so each means the same thing everywhere. */
export const policyOptions: Record<string, OptionSpec> = {
  write: { type: 'string', description: 'Write policy: deny (default) refuses writes, ask confirms each with the user, allow runs them.' },
  'allow-destructive': { type: 'boolean', description: 'Also permit tools that delete or revoke (still subject to --write).' },
};

export const scopeOptions: Record<string, OptionSpec> = {
  toolsets: { type: 'string', description: 'Only these toolsets, comma-separated (e.g. tracking,sources; "tools" lists them).' },
  tools: { type: 'string', description: 'Only these tool slugs, comma-separated (added to --toolsets).' },
};

export const envOptions: Record<string, OptionSpec> = {
  region: { type: 'string', description: 'Segment region for environment credentials: us (default) or eu.' },
  'log-level': { type: 'string', description: 'debug, info, warn, error or silent. Logs go to stderr.' },
};

export const auditOptions: Record<string, OptionSpec> = {
  'audit-payloads': { type: 'boolean', description: 'Also record each write\'s arguments (secrets masked) in the audit log.' },
};

export const qualityOptions: Record<string, OptionSpec> = {
  validate: { type: 'string', description: 'Checks on tracking calls (tracking plan, naming, PII): warn (default) sends and reports findings, block keeps back messages with errors, off.' },
  naming: { type: 'string', description: 'Key style the naming check expects in properties and traits: snake (default), camel or off.' },
};

export const jsonOption: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'Print JSON for machines instead of text for people.' },
};

export type FlagValues = Record<string, unknown>;

/**
 * One App from the command line. One-shot commands default to warn-level logs so that stderr stays
 * readable, and their hints speak to the person at the terminal; the server keeps info and speaks
 * to agents. SEGMENT_ROUTER_LOG_LEVEL still wins over the default.
 */
export function appFromFlags(values: FlagValues, defaultLogLevel: 'info' | 'warn' = 'info', surface: Surface = defaultLogLevel === 'warn' ? 'cli' : 'mcp'): App {
  const toolsets = listFlag(values.toolsets);
  const tools = listFlag(values.tools);
  checkScope(toolsets, tools);
  return createApp({
    write: values.write as string | undefined,
    allowDestructive: values['allow-destructive'] as boolean | undefined,
    region: values.region as string | undefined,
    logLevel: (values['log-level'] as string | undefined) ?? process.env.SEGMENT_ROUTER_LOG_LEVEL ?? defaultLogLevel,
    auditPayloads: values['audit-payloads'] as boolean | undefined,
    validate: values.validate as string | undefined,
    naming: values.naming as string | undefined,
    toolsets,
    tools,
    surface,
    toolNames: values['tool-names'] as string | undefined,
    // A person reads a command's warnings; a script that asked for --json, and the server's log collector, read JSON lines.
    logFormat: surface === 'cli' && values.json !== true ? 'text' : 'json',
  });
}
