import { createApp } from '../app.js';
import { serveStdio } from '../server/stdio.js';
import { listFlag, type CommandSpec } from './common.js';

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the MCP server (stdio).',
  usage: 'segment-router serve [--write=deny|ask|allow] [--allow-destructive] [--region us|eu] [--toolsets a,b] [--tools SLUG,...] [--log-level L] [--audit-payloads]',
  options: {
    write: { type: 'string', description: 'Write policy: deny (default) refuses writes, ask confirms each with the user, allow runs them.' },
    'allow-destructive': { type: 'boolean', description: 'Also permit tools that delete or revoke (still subject to --write).' },
    region: { type: 'string', description: 'Segment region for environment credentials: us (default) or eu.' },
    toolsets: { type: 'string', description: 'Only these toolsets, comma-separated (e.g. tracking,sources).' },
    tools: { type: 'string', description: 'Only these tool slugs, comma-separated.' },
    'log-level': { type: 'string', description: 'debug, info (default), warn, error or silent. Logs go to stderr.' },
    'audit-payloads': { type: 'boolean', description: 'Also record each write\'s arguments (secrets masked) in the audit log.' },
  },
  async run({ values }) {
    const app = createApp({
      write: values.write as string | undefined,
      allowDestructive: values['allow-destructive'] as boolean | undefined,
      region: values.region as string | undefined,
      logLevel: values['log-level'] as string | undefined,
      auditPayloads: values['audit-payloads'] as boolean | undefined,
      toolsets: listFlag(values.toolsets),
      tools: listFlag(values.tools),
    });
    await serveStdio(app);
    return undefined;
  },
};
