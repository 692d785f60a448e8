import { createApp } from '../app.js';
import { StoreConnectionService } from '../connections/service.js';
import { checkClients, checkConnections, checkHome, checkKeyFile, checkNode, checkSetAside, type Finding } from '../doctor/checks.js';
import { pathContext } from '../setup/clients.js';
import { EXIT, type CommandSpec } from './common.js';
import { renderTable, terminalWidth } from './table.js';
import { forTerminal } from '../util/printable.js';

function render(findings: Finding[], width?: number): string {
  const table = renderTable(
    [
      { header: 'STATUS', value: (f: Finding) => f.level },
      { header: 'CHECK', value: (f: Finding) => f.check },
      { header: 'WHAT WAS FOUND', value: (f: Finding) => f.message },
    ],
    findings,
  ).split('\n');
  // Each finding's fix goes right under its line, indented to the message column.
  const indent = ' '.repeat(table[0]!.indexOf('WHAT WAS FOUND'));
  const lines = [table[0]!];
  findings.forEach((f, i) => {
    lines.push(table[i + 1]!);
    if (f.fix && f.level !== 'ok') lines.push(`${indent}-> ${f.fix}`);
  });
  const problems = findings.filter((f) => f.level === 'problem').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  lines.push('', problems || warnings ? `${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.` : 'All ok.');
  const setup = findings.find((f) => f.check === 'clients' && f.fix);
  if (setup) lines.push(setup.fix!);
  return lines.map((l) => (width && l.length > width ? wrap(l, width) : l)).join('\n');
}

/** Long lines wrap under their own indentation instead of the terminal's first column. */
function wrap(line: string, width: number): string {
  const indent = ' '.repeat(line.length - line.trimStart().length + (line.trimStart().startsWith('-> ') ? 3 : 0));
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > indent.length + 10 ? cut : width;
    out.push(rest.slice(0, at));
    rest = indent + rest.slice(at).trimStart();
  }
  out.push(rest);
  return out.join('\n');
}

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'Check the set-up: node, the config home, the key file, each connection with Segment, the region, the MCP clients.',
  exitCodes: '0 every check ok, 1 a check found a warning or a problem, 2 usage error',
  usage: 'segment-router doctor [--offline] [--json]',
  options: {
    offline: { type: 'boolean', description: 'Do not contact Segment; report connections as last known.' },
    json: { type: 'boolean', description: 'Print {ok, findings} as JSON.' },
  },
  async run({ values }) {
    const findings: Finding[] = [checkNode()];
    const app = createApp({ logLevel: process.env.SEGMENT_ROUTER_LOG_LEVEL ?? 'error', surface: 'cli' });
    try {
      findings.push(checkHome(app.config.home), checkKeyFile(app.config.home, process.env), ...checkSetAside(app.config.home));
      const svc = app.connections;
      if (svc instanceof StoreConnectionService) findings.push(...(await checkConnections(svc, app.config, { offline: values.offline === true })));
      findings.push(...checkClients(pathContext()));
      const ok = findings.every((f) => f.level === 'ok');
      const text = values.json ? JSON.stringify({ ok, findings }) : render(findings, terminalWidth());
      process.stdout.write((values.json ? app.redactor.text(text) : forTerminal(app.redactor.text(text))) + '\n');
      return ok ? EXIT.ok : EXIT.failed;
    } finally {
      await app.close();
    }
  },
};
