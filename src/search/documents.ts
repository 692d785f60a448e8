import type { ToolDefinition } from '../registry/types.js';
import { OPERATION_WORDS } from './operations.js';

/**
 * A tool as the index sees it: one text per field, all read from its registry entry (facts and words).
 * Field names are the keys of WEIGHTS.fields.
 */
export interface ToolDocument {
  id: string;
  slug: string;
  object: string;
  /** The object's words as written, unstemmed: "sources" is a list, "source" one of them. */
  objectExact: string;
  scope: string;
  operation: string;
  title: string;
  tags: string;
  useCases: string;
  description: string;
  params: string;
  /** The labelled requests this tool serves, as one text: how people ask for it (engine.ts fills it when it builds the index). */
  asked: string;
}

export const FIELDS = ['slug', 'object', 'objectExact', 'scope', 'operation', 'title', 'tags', 'useCases', 'description', 'params', 'asked'] as const;
/** `useCase` / `labelled`: matched in the tool's closest use case / labelled request (the second index). */
export type Field = (typeof FIELDS)[number] | 'useCase' | 'labelled';

export function toolDocument(tool: ToolDefinition): ToolDocument {
  return {
    id: tool.slug,
    slug: tool.slug.replace(/^SEGMENT_/, '').replace(/_/g, ' '),
    object: tool.facts.object,
    objectExact: tool.facts.object,
    scope: tool.facts.scope ?? '',
    operation: OPERATION_WORDS[tool.facts.operation] ?? tool.facts.operation,
    title: tool.title,
    tags: [...tool.tags, tool.toolset].join(' ; '),
    useCases: tool.useCases.join(' ; '),
    description: tool.description,
    params: tool.paramNames.join(' '),
    asked: '',
  };
}
