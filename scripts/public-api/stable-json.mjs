/**
 * JSON with object keys sorted at every level, so the same data is always the same bytes and a
 * regenerated file shows no diff. Arrays keep their order: it carries meaning (enum, required, tags).
 */
export function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

export function stableJson(value) {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}
