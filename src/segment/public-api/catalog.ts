import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
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
  /** Where each operation's input lies in inputs.json: [byte offset, byte length]. */
  inputsAt?: Record<string, [number, number]>;
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

const INPUTS = new URL('inputs.json', DATA);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, DATA), 'utf8')) as T;

let index: OperationIndex | undefined;
/** Inputs read so far, one by one; the whole file only when an operation's place in it is unknown. */
const inputs = new Map<string, OperationInput>();
let allInputs: Record<string, OperationInput> | undefined;

export function operationIndex(): OperationIndex {
  return (index ??= readJson<OperationIndex>('index.json'));
}

/**
 * The heavy half, read on first use, each operation's own bytes only: the first search answer shows
 * five schemas, and reading and parsing the whole file would cost it several milliseconds.
 */
export function operationInput(operationId: string): OperationInput {
  let input = inputs.get(operationId) ?? inputAt(INPUTS, operationIndex().inputsAt?.[operationId]);
  if (!input) input = (allInputs ??= readJson<Record<string, OperationInput>>('inputs.json'))[operationId];
  if (!input) throw new Error(`No generated input for ${operationId}; run npm run generate:public-api.`);
  inputs.set(operationId, input);
  return input;
}

/** An operation's input read from where the index says it lies; undefined when that is not it (a file edited by hand). */
export function inputAt(file: URL | string, at: [number, number] | undefined): OperationInput | undefined {
  if (!at) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const bytes = Buffer.alloc(at[1]);
    if (readSync(fd, bytes, 0, at[1], at[0]) !== at[1]) return undefined;
    const input = JSON.parse(bytes.toString('utf8')) as OperationInput;
    return input && typeof input === 'object' && 'inputSchema' in input && 'plan' in input ? input : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
