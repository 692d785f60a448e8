import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Reads the skill in skills/segment-automation into what the tests check: SKILL.md (front matter,
 * the essentials, the quick reference) and the files under references/ that it links to. For each
 * file: headings, JSON examples (each the full input of one meta tool), quick reference rows and
 * relative links.
 */

export const SKILL_DIR = resolve(__dirname, '../../skills/segment-automation');
export const SKILL_PATH = resolve(SKILL_DIR, 'SKILL.md');
export const REFERENCES_DIR = resolve(SKILL_DIR, 'references');

export type MetaTool = 'EXECUTE_TOOL' | 'SEARCH_TOOLS' | 'MANAGE_CONNECTIONS' | 'RUN_SCRIPT' | 'client-config';

export interface JsonExample {
  /** The file it is in, relative to the skill folder (SKILL.md, references/tracking.md). */
  file: string;
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
  file: string;
  line: number;
  task: string;
  slug: string;
  access: string;
  /** Parameter names as written, without the `*`. */
  params: string[];
  required: string[];
}

export interface Link {
  file: string;
  line: number;
  /** As written, e.g. references/tracking.md#track-events. */
  target: string;
  /** The file it points to, absolute; the linking file itself for a bare #anchor. */
  path: string;
  anchor?: string;
}

export interface SkillDoc {
  /** Relative to the skill folder, with forward slashes. */
  file: string;
  path: string;
  text: string;
  /** Undefined when the file has no front matter (reference files have none). */
  frontMatter?: Record<string, unknown>;
  body: string;
  /** Anchors of its headings, as GitHub and most Markdown viewers make them. */
  anchors: Set<string>;
  examples: JsonExample[];
  reference: ReferenceRow[];
  links: Link[];
}

/** SKILL.md; it must open with front matter. */
export function readSkill(path = SKILL_PATH): SkillDoc & { frontMatter: Record<string, unknown> } {
  const doc = readDoc(path);
  if (!doc.frontMatter) throw new Error(`${path}: no YAML front matter between --- lines at the top`);
  return doc as SkillDoc & { frontMatter: Record<string, unknown> };
}

/** Every .md file under references/, at any depth, sorted. */
export function referencePaths(dir = REFERENCES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.md'))
    .map((f) => resolve(dir, f))
    .sort();
}

/** SKILL.md first, then every reference file. */
export function readSkillDocs(): [ReturnType<typeof readSkill>, ...SkillDoc[]] {
  return [readSkill(), ...referencePaths().map((p) => readDoc(p))];
}

export function readDoc(path: string): SkillDoc {
  const text = readFileSync(path, 'utf8');
  const file = relative(SKILL_DIR, path).split(sep).join('/');
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  const frontMatter = m ? ((parseYaml(m[1]!) ?? {}) as Record<string, unknown>) : undefined;
  const offset = m ? m[1]!.split('\n').length + 2 : 0;
  const body = m ? text.slice(m[0].length) : text;
  return {
    file,
    path,
    text,
    frontMatter,
    body,
    anchors: headingAnchors(body),
    examples: jsonExamples(body, offset, file),
    reference: quickReference(body, offset, file),
    links: relativeLinks(body, offset, file, path),
  };
}

/** Which meta tool a JSON example is the input of, by its keys; undefined when it fits none. */
export function classify(v: Record<string, unknown>): MetaTool | undefined {
  const keys = Object.keys(v);
  if ('tool_slug' in v || 'tools' in v) return 'EXECUTE_TOOL';
  if ('queries' in v) return 'SEARCH_TOOLS';
  if (typeof v.script === 'string' && keys.every((k) => k === 'script' || k === 'dry_run' || k === 'timeout_ms')) return 'RUN_SCRIPT';
  if ('mcpServers' in v) return 'client-config';
  if (keys.length > 0 && keys.every((k) => k === 'toolkits' || k === 'action')) return 'MANAGE_CONNECTIONS';
  return undefined;
}

/** The lines outside fenced code blocks, with their 0-based index in the body. */
function proseLines(body: string): { i: number; line: string }[] {
  const out: { i: number; line: string }[] = [];
  let fenced = false;
  body.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced) out.push({ i, line });
  });
  return out;
}

function jsonExamples(body: string, offset: number, file: string): JsonExample[] {
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
    const ex: JsonExample = { file, line: start + offset + 1, headings: headings.map((x) => x.text), raw: content.join('\n') };
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

/** Rows of the table under a "Quick reference" heading: | task | slug | access | key parameters |. */
function quickReference(body: string, offset: number, file: string): ReferenceRow[] {
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
      file,
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

/** Heading anchors the GitHub way: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(body: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { line } of proseLines(body)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]!
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Inline links and images outside code whose target is not a URL (no scheme): files of the skill. */
function relativeLinks(body: string, offset: number, file: string, path: string): Link[] {
  const out: Link[] = [];
  for (const { i, line } of proseLines(body)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [filePart = '', anchor] = target.split('#', 2);
      out.push({
        file,
        line: i + offset + 1,
        target,
        path: filePart ? resolve(dirname(path), decodeURI(filePart)) : path,
        anchor: anchor || undefined,
      });
    }
  }
  return out;
}

/** Every SEGMENT_* name in the text, in order of first appearance. */
export function segmentNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bSEGMENT_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]))];
}

/** Environment variables the README and docs/ document (the configuration table is in docs/cli.md): not tool slugs. */
export function documentedEnvVars(readme = resolve(__dirname, '../../README.md')): Set<string> {
  const docs = resolve(readme, '..', 'docs');
  const pages = existsSync(docs) ? readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => join(docs, f)) : [];
  const text = [readme, ...pages].map((f) => readFileSync(f, 'utf8')).join('\n');
  const rows = text.split('\n').filter((l) => l.startsWith('| `SEGMENT_'));
  return new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`(SEGMENT_[A-Z0-9_]+)`/g)].map((m) => m[1]!)));
}
