import { readFileSync } from 'node:fs';
import type { Access, JsonSchema, ToolFacts } from '../../registry/types.js';

/**
 * The generated Public API table (scripts/generate-public-api.mjs writes data/public-api/).
 * The index - what search and listing need - is read at start-up; the input schemas and request
 * plans are read on the first call that needs one, so 200 tools cost one small JSON parse to load.
 * The data sits at the repository root, the same distance from src/ and dist/.
 */
const DATA = new URL('../../../data/public-api/', import.meta.url);

/** One Public API operation as the registry sees it. */
export interface OperationEntry {
  slug: string;
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  title: string;
  tag: string;
  toolset: string;
  access: Access;
  stability: 'stable' | 'beta' | 'alpha';
  /** The best version the operation answers with: sent as Accept. */
  accept: string;
  /** The body's media type, matching the chosen version. */
  contentType?: string;
  paramNames: string[];
  paged?: boolean;
  description: string;
  tags: string[];
  useCases: string[];
  pitfalls: string[];
  related: string[];
  facts: ToolFacts;
}

export interface OperationIndex {
  api: { title: string; version: string };
  allPages: { maxPages: number; maxItems: number };
  operations: OperationEntry[];
}

export type QueryEncoding = 'plain' | 'repeat' | 'deep' | 'indexed';

export interface QueryParamPlan {
  name: string;
  encoding: QueryEncoding;
  required?: boolean;
  /** Present on pagination inputs: the page size the API takes. */
  page?: { max: number; default: number };
}

/** How arguments become a request; written by the generator from the description. */
export interface RequestPlan {
  path: string[];
  query: QueryParamPlan[];
  /** flat: the body's fields sit beside the parameters; nested: under `body`. */
  body?: { mode: 'flat'; fields: string[] } | { mode: 'nested' };
  /** How to ask for the next page, and which arrays all_pages concatenates. */
  paging?: { style: 'object' | 'flat'; param: string; listFields: string[] };
}

export interface OperationInput {
  inputSchema: JsonSchema;
  plan: RequestPlan;
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, DATA), 'utf8')) as T;

let index: OperationIndex | undefined;
let inputs: Record<string, OperationInput> | undefined;

export function operationIndex(): OperationIndex {
  return (index ??= readJson<OperationIndex>('index.json'));
}

/** The heavy half, loaded on first use. */
export function operationInput(operationId: string): OperationInput {
  inputs ??= readJson<Record<string, OperationInput>>('inputs.json');
  const input = inputs[operationId];
  if (!input) throw new Error(`No generated input for ${operationId}; run npm run generate:public-api.`);
  return input;
}
