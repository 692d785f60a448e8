import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Fresh, high-entropy secrets per run: any 8-character piece of them in the output is a leak, not chance. */
export function freshSecrets() {
  return {
    writeKey: `wk${randomBytes(16).toString('hex')}`,
    token: `sgp_${randomBytes(20).toString('hex')}`,
    badToken: `sgp_${randomBytes(20).toString('hex')}`,
  };
}

/** Every form a secret travels in, and every 8-character window of it (a secret cut short is still a leak). */
function needles(secret: string): string[] {
  const forms = [secret, Buffer.from(`${secret}:`).toString('base64'), Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
  const windows: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) windows.push(secret.slice(i, i + 8));
  // The base64 forms' first 12 characters do not depend on where the secret ends.
  return [...forms, ...windows, ...forms.slice(1, 3).map((f) => f.slice(0, 12))];
}

/** The first leak found in `text`, with a little context, or undefined. */
export function findLeak(text: string, secrets: string[]): string | undefined {
  for (const s of secrets) {
    for (const n of needles(s)) {
      const at = text.indexOf(n);
      if (at >= 0) return `"${n}" (from a secret) at ...${text.slice(Math.max(0, at - 100), at + n.length + 20)}...`;
    }
  }
  return undefined;
}

/** All text in the files under `dir`. */
export function readTree(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...readTree(p));
    else out.push({ path: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}
