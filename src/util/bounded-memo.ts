/**
 * `fn` remembered for each input it was given, up to `cap` inputs; then all is forgotten at once. A
 * long-running server sees endless new words: a cache without a bound would grow without end.
 */
export function boundedMemo<V>(cap: number, fn: (key: string) => V): (key: string) => V {
  const seen = new Map<string, V>();
  return (key) => {
    const hit = seen.get(key);
    if (hit !== undefined || seen.has(key)) return hit as V;
    const value = fn(key);
    if (seen.size >= cap) seen.clear();
    seen.set(key, value);
    return value;
  };
}
