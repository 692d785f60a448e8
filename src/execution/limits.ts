import type { ToolError } from '../registry/types.js';
import { countText } from '../util/count-text.js';

/**
 * Refuses arguments over the operator's size limit before anything parses them further: one huge
 * call must not stall the server for everyone else. Measured as the JSON the client sent.
 */
export function checkArgumentsSize(raw: unknown, value: unknown, maxBytes: number): ToolError | undefined {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes <= maxBytes) return undefined;
  const problem = `${countText(bytes)} bytes of JSON; the limit is ${countText(maxBytes)} bytes per call`;
  return {
    kind: 'validation',
    message: `The arguments are ${problem}. Nothing was sent.`,
    hint: 'Split the work into several calls (for events: several SEGMENT_BATCH calls of fewer messages each).',
    details: { issues: [{ field: '(arguments)', problem }], limit_bytes: maxBytes, bytes },
  };
}
