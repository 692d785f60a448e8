/** `make`, run on the first call only; every later call returns what it made (files read on first use, tables built when first needed). */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
