import { ROUTER_SET_ARGUMENTS, type ToolDefinition } from '../registry/types.js';
import { OPERATION_WORDS } from './operations.js';

/**
 * A tool as the index sees it: one text per field, all read from its registry entry (facts and words).
 * Field names are the keys of WEIGHTS.fields. `objectExact`: the object unstemmed ("sources" is a list,
 * "source" one of them); `asked`: the labelled requests the tool serves, filled when the index is built.
 */
export const FIELDS = ['slug', 'object', 'objectExact', 'scope', 'operation', 'title', 'tags', 'useCases', 'description', 'params', 'asked'] as const;
export type ToolDocument = Record<(typeof FIELDS)[number] | 'id', string>;
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
    // Arguments the router fills say nothing of what a tool is for (sentAt in every tracking call's
    // params pulled requests about sending: person top-1 on a held-out set fell from 0.91 to 0.906).
    params: tool.paramNames.filter((p) => !ROUTER_SET_ARGUMENTS.has(p)).join(' '),
    asked: '',
  };
}
