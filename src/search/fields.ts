import type { ToolDefinition } from '../registry/types.js';
import { docTerms } from './lexicon.js';
import { analyzeQuery } from './analyze.js';
import type { FieldSpec } from './bm25.js';
import { operationOf, type Fit } from './intent.js';

/**
 * The searchable text of a tool, split into fields of different trust. The slug's object ("SOURCES" in
 * LIST_SOURCES) says most; its context ("FROM_TRACKING_PLAN") less; hand-written words fill the gaps.
 */

export type Field = 'object' | 'context' | 'title' | 'tags' | 'useCases' | 'description' | 'params';

export const FIELDS: Record<Field, FieldSpec> = {
  object: { weight: 3, b: 0.3, binary: true },
  context: { weight: 1.2, b: 0.3, binary: true },
  title: { weight: 1, b: 0.5 },
  tags: { weight: 1.5, b: 0.5 },
  useCases: { weight: 1.5, b: 0.75 },
  description: { weight: 0.7, b: 0.75 },
  params: { weight: 0.5, b: 0.3, binary: true },
};

/** Slug words that join the object to its context: LIST_SOURCES_FROM_TRACKING_PLAN. */
const JOINS = new Set(['FROM', 'IN', 'TO', 'FOR', 'BY', 'AND', 'ON']);

export interface ToolText {
  fields: Record<Field, string[]>;
  /** Terms of the slug's object, which a request should mention for this tool to be the one. */
  object: string[];
  context: string[];
  /** Each use case on its own: a request that says nearly all of one names the tool as well as its slug. */
  useCases: string[][];
  /** Per use case, its terms that only say where ("which warehouses does this source feed": source). */
  useCaseContext: Set<string>[];
  fit: Fit;
}

const words = (slugPart: string[]) => slugPart.join(' ').toLowerCase();

export function toolText(tool: ToolDefinition): ToolText {
  const op = operationOf(tool);
  const join = op.rest.findIndex((w) => JOINS.has(w));
  const objectPart = join < 0 ? op.rest : op.rest.slice(0, join);
  const contextPart = join < 0 ? [] : op.rest.slice(join + 1);
  const object = docTerms(words(objectPart));
  const context = docTerms(words(contextPart));
  return {
    fields: {
      object,
      context,
      title: docTerms(tool.title),
      tags: [...tool.tags, tool.toolset.replace(/-/g, ' ')].flatMap(docTerms),
      useCases: tool.useCases.flatMap(docTerms),
      description: docTerms(tool.description),
      // The object's own id ("scheduleId" on GET_AUDIENCE_SCHEDULE) would favour every tool but the list.
      params: docTerms(tool.paramNames.join(' ')).filter((t) => !object.includes(t)),
    },
    object,
    context,
    useCases: tool.useCases.map(docTerms).filter((p) => p.length > 0),
    useCaseContext: tool.useCases.filter((p) => docTerms(p).length > 0).map((p) => analyzeQuery(p).contextTerms),
    fit: op.fit,
  };
}
