import { appFromFlags, envOptions, jsonOption, scopeOptions } from './app-flags.js';
import { EXIT, type CommandSpec } from './common.js';
import { printJson, printText } from './output.js';
import { renderTable, terminalWidth, type Column } from './table.js';

export const toolsCommand: CommandSpec = {
  name: 'tools',
  summary: 'List every tool in scope: slug, title, access, toolset, api.',
  exitCodes: '0 success, 2 usage error',
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
      type T = (typeof tools)[number];
      const columns: Column<T>[] = [
        { header: 'SLUG', value: (t) => t.slug },
        { header: 'ACCESS', value: (t) => t.access },
        { header: 'TOOLSET', value: (t) => t.toolset },
        { header: 'API', value: (t) => t.api },
        { header: 'TITLE', value: (t) => t.title },
      ];
      const table = renderTable(columns, tools, { width: terminalWidth() });
      printText(app, [table, '', `${tools.length} tools; toolsets: ${app.registry.toolsets().join(', ')}.`].join('\n'));
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
