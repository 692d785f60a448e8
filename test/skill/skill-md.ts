import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Reads skills/segment-automation/SKILL.md into what the tests check: front matter, headings,
 * JSON examples (each the full input of one meta tool) and the quick reference table.
 */

export const SKILL_DIR = resolve(__dirname, '../../skills/segment-automation');
export const SKILL_PATH = resolve(SKILL_DIR, 'SKILL.md');

export type MetaTool = 'EXECUTE_TOOL' | 'SEARCH_TOOLS' | 'MANAGE_CONNECTIONS' | 'client-config';

export interface JsonExample {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  /** The headings above it, outermost first. */
  headings: string[];
  raw: string;
  value?: Record<string, unknown>;
  parseError?: string;
  tool?: MetaTool;
}

export interface ReferenceRow {
  line: number;
  task: string;
  slug: string;
  access: string;
  /** Parameter names as written, without the `*`. */
  params: string[];
  required: string[];
}

export interface SkillDoc {
  text: string;
  frontMatter: Record<string, unknown>;
  body: string;
  examples: JsonExample[];
  reference: ReferenceRow[];
}

export function readSkill(path = SKILL_PATH): SkillDoc {
  const text = readFileSync(path, 'utf8');
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) throw new Error(`${path}: no YAML front matter between --- lines at the top`);
  const frontMatter = (parseYaml(m[1]!) ?? {}) as Record<string, unknown>;
  const offset = m[1]!.split('\n').length + 2;
  const body = text.slice(m[0].length);
  return { text, frontMatter, body, examples: jsonExamples(body, offset), reference: quickReference(body, offset) };
}

/** Which meta tool a JSON example is the input of, by its keys; undefined when it fits none. */
export function classify(v: Record<string, unknown>): MetaTool | undefined {
  const keys = Object.keys(v);
  if ('tool_slug' in v || 'tools' in v) return 'EXECUTE_TOOL';
  if ('queries' in v) return 'SEARCH_TOOLS';
  if ('mcpServers' in v) return 'client-config';
  if (keys.length > 0 && keys.every((k) => k === 'toolkits' || k === 'action')) return 'MANAGE_CONNECTIONS';
  return undefined;
}

function jsonExamples(body: string, offset: number): JsonExample[] {
  const lines = body.split('\n');
  const out: JsonExample[] = [];
  const headings: { level: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      const level = h[1]!.length;
      while (headings.length && headings[headings.length - 1]!.level >= level) headings.pop();
      headings.push({ level, text: h[2]!.trim() });
      continue;
    }
    const fence = /^```(\S*)/.exec(line);
    if (!fence) continue;
    const start = i;
    const content: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) content.push(lines[i]!);
    if (fence[1] !== 'json') continue;
    const ex: JsonExample = { line: start + offset + 1, headings: headings.map((x) => x.text), raw: content.join('\n') };
    try {
      ex.value = JSON.parse(ex.raw) as Record<string, unknown>;
      ex.tool = classify(ex.value);
    } catch (err) {
      ex.parseError = (err as Error).message;
    }
    out.push(ex);
  }
  return out;
}

/** Rows of the table under the "Quick reference" heading: | task | slug | access | key parameters |. */
function quickReference(body: string, offset: number): ReferenceRow[] {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s.*quick reference/i.test(l));
  if (start < 0) return [];
  const rows: ReferenceRow[] = [];
  for (let i = start + 1; i < lines.length && !/^#{1,6}\s/.test(lines[i]!); i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('|')) continue;
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
    if (cells[0] === 'task' || /^-+$/.test(cells[0]!.replace(/\s|:/g, ''))) continue;
    const [task = '', slugCell = '', access = '', paramCell = ''] = cells;
    const names = [...paramCell.matchAll(/`([A-Za-z_$][\w$]*)(\*?)`/g)];
    rows.push({
      line: i + offset + 1,
      task,
      slug: /`(SEGMENT_[A-Z0-9_]+)`/.exec(slugCell)?.[1] ?? slugCell,
      access,
      params: names.map((n) => n[1]!),
      required: names.filter((n) => n[2] === '*').map((n) => n[1]!),
    });
  }
  return rows;
}

/** Every SEGMENT_* name in the text, in order of first appearance. */
export function segmentNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bSEGMENT_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]))];
}

/** Environment variables the README documents (its configuration table): not tool slugs. */
export function documentedEnvVars(readme = resolve(__dirname, '../../README.md')): Set<string> {
  const text = readFileSync(readme, 'utf8');
  const rows = text.split('\n').filter((l) => l.startsWith('| `SEGMENT_'));
  return new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`(SEGMENT_[A-Z0-9_]+)`/g)].map((m) => m[1]!)));
}
