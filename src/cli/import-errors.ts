import { InputError } from '../import/source.js';
import { UsageError } from './common.js';

/**
 * A file that cannot be read, or is not the format it claims, is a mistake on the command line:
 * exit 2 with the reader's words. Everything else keeps its own meaning.
 */
export async function inputErrorsAsUsage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof InputError ? new UsageError(err.message) : err;
  }
}

/** The same for the records of a file, read as they come. */
export async function* recordsAsUsage<T>(records: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* records;
  } catch (err) {
    throw err instanceof InputError ? new UsageError(err.message) : err;
  }
}
