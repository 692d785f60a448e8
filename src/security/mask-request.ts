import { maskSecret } from './redact.js';

/** A request as it may be shown (a dry run): credential headers masked to their last four characters. */
export function maskRequest<R extends { headers: Record<string, string> }>(r: R): R {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (k.toLowerCase() !== 'authorization') headers[k] = v;
    else if (v.startsWith('Basic ')) {
      const key = Buffer.from(v.slice(6), 'base64').toString().replace(/:$/, '');
      headers[k] = key ? `Basic <write key ${maskSecret(key)}>` : 'Basic <no write key configured>';
    } else if (v.startsWith('Bearer ')) {
      const token = v.slice(7);
      headers[k] = token && token !== 'undefined' ? `Bearer <token ${maskSecret(token)}>` : 'Bearer <no token configured>';
    } else headers[k] = '****';
  }
  return { ...r, headers };
}
