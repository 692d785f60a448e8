import { readCsv } from './csv.js';
import { readJsonArray } from './json-array.js';
import { readNdjson } from './ndjson.js';
import { START, type EventFormat, type ReadPosition, type SourceRecord } from './source.js';

/**
 * The records of a file in one of the import formats, in batches, from the start or from a resume point.
 * `parse` false: the JSON formats hand their records over as bytes alone (CSV records are always built).
 */
export function readRecords(path: string, format: EventFormat, from: ReadPosition = START, blockBytes?: number, parse = true): AsyncGenerator<SourceRecord[]> {
  if (format === 'csv') return readCsv(path, from, blockBytes);
  if (format === 'json') return readJsonArray(path, from, blockBytes, parse);
  return readNdjson(path, from, blockBytes, parse);
}

/** Where a record was, for a person: "line 12", or "item 3 (line 12)" in a JSON array. */
export function placeOf(r: Pick<SourceRecord, 'line' | 'item'>): string {
  return r.item !== undefined ? `item ${r.item} (line ${r.line})` : `line ${r.line}`;
}
