import { existsSync, readFileSync } from 'node:fs';

/**
 * The audit lines on disk that are complete. A reader can meet the file while a line is being
 * appended; only lines that end in a newline are whole, so a test never parses half a line.
 */
export function readAuditLines(path: string): any[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
