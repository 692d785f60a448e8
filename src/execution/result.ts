import type { ToolError } from '../registry/types.js';

/** What every surface (EXECUTE_TOOL, direct mode, CLI) gets back from the executor. Redacted before it leaves. */
export interface ExecutionResult {
  successful: boolean;
  tool_slug?: string;
  data?: unknown;
  error?: ToolError;
  /** Things the caller should know that did not stop the call (an integer past 2^53, say). */
  warnings?: string[];
}
