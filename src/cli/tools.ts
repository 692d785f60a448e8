import { appFromFlags, envOptions, jsonOption, scopeOptions } from './app-flags.js';
import { EXIT, type CommandSpec } from './common.js';
import { printJson, printText } from './output.js';

export const toolsCommand: CommandSpec = {
  name: 'tools',
  summary: 'List every tool in scope: slug, title, access, toolset, api.',
  usage: 'segment-router tools [--toolsets a,b] [--tools SLUG,...] [--json]',
  options: { ...scopeOptions, ...envOptions, ...jsonOption },
  async run({ values }) {
    const app = appFromFlags(values, 'warn');
    try {
      const tools = app.registry.tools.map((t) => ({ slug: t.slug, title: t.title, access: t.access, toolset: t.toolset, api: t.api }));
      if (values.json) {
        printJson(app, { count: tools.length, toolsets: app.registry.toolsets(), tools });
        return EXIT.ok;
      }
      const w = Math.max(4, ...tools.map((t) => t.slug.length));
      const rows = tools.map((t) => `${t.slug.padEnd(w)}  ${t.access.padEnd(11)}  ${t.toolset.padEnd(18)}  ${t.api.padEnd(8)}  ${t.title}`);
      const head = `${'SLUG'.padEnd(w)}  ${'ACCESS'.padEnd(11)}  ${'TOOLSET'.padEnd(18)}  ${'API'.padEnd(8)}  TITLE`;
      printText(app, [head, ...rows, '', `${tools.length} tools; toolsets: ${app.registry.toolsets().join(', ')}.`].join('\n'));
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
