import type { QueryEncoding } from './catalog.js';

/**
 * The one place query strings are written. The description declares objects as deepObject and the
 * official TypeScript SDK sends the bracket form, so that is what goes out:
 *   plain    name=value
 *   repeat   name=a&name=b                   (arrays of strings/numbers: form, exploded)
 *   deep     pagination[count]=50&pagination[cursor]=x; arrays inside: filter[eventName][0]=a
 *   indexed  rules[0][type]=TRACK&rules[0][version]=1   (arrays of objects)
 * Segment's docs also show `pagination.count=50`; the bracket form is the one the description and
 * the SDK agree on. Brackets stay literal (readable in dry runs); names and values are encoded.
 * Undefined and null values are left out.
 */
export interface QueryValue {
  name: string;
  encoding: QueryEncoding;
  value: unknown;
}

const enc = encodeURIComponent;

function scalar(v: unknown): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** name[key][sub]=v pairs for a nested value, keys sorted so the same arguments give the same URL. */
function nested(prefix: string, value: unknown, out: string[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => nested(`${prefix}[${i}]`, v, out));
  } else if (typeof value === 'object') {
    for (const key of Object.keys(value).sort()) nested(`${prefix}[${enc(key)}]`, (value as Record<string, unknown>)[key], out);
  } else {
    out.push(`${prefix}=${enc(scalar(value))}`);
  }
}

export function encodeQuery(params: readonly QueryValue[]): string {
  const out: string[] = [];
  for (const { name, encoding, value } of params) {
    if (value === undefined || value === null) continue;
    const key = enc(name);
    if (encoding === 'repeat' && Array.isArray(value)) {
      for (const v of value) if (v !== undefined && v !== null) out.push(`${key}=${enc(scalar(v))}`);
    } else if (encoding === 'deep' || encoding === 'indexed') {
      nested(key, value, out);
    } else {
      out.push(`${key}=${enc(scalar(value))}`);
    }
  }
  return out.join('&');
}
