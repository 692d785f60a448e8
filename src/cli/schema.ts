import { appFromFlags, envOptions, jsonOption, scopeOptions } from './app-flags.js';
import { EXIT, UsageError, type CommandSpec } from './common.js';
import { printJson, printText } from './output.js';
import { toolNamed } from './tool-help.js';

export const schemaCommand: CommandSpec = {
  name: 'schema',
  summary: "Print a tool's input JSON Schema.",
  exitCodes: '0 success, 2 usage error',
  usage: 'segment-router schema <SLUG> [--json]',
  options: { ...scopeOptions, ...envOptions, ...jsonOption },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('schema takes exactly one tool slug, e.g. segment-router schema SEGMENT_TRACK.');
    const app = appFromFlags(values, 'warn');
    try {
      const tool = toolNamed(app, positionals[0]!);
      const schema = tool.inputJsonSchema();
      // Machines get the bare schema (ready for a validator); people get it indented with a heading.
      if (values.json) printJson(app, schema);
      else printText(app, `${tool.slug}: ${tool.title} (${tool.access})\n${JSON.stringify(schema, null, 2)}`);
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
