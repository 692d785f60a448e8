/**
 * The ways a secret travels besides itself, so the redactor can mask each: escaped inside JSON (once,
 * twice, or with \u escapes), URL-encoded, hex, and base64 (alone, as HTTP Basic's `key:`, url-safe,
 * and as it looks at each of the three alignments inside a longer base64 text). Case is handled
 * by the matcher, not here.
 */

const MIN_FORM = 4;

export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const once = JSON.stringify(secret).slice(1, -1);
  forms.add(once);
  forms.add(JSON.stringify(once).slice(1, -1));
  forms.add(asciiEscaped(secret));
  try {
    forms.add(encodeURIComponent(secret));
    // Every byte percent-encoded, as some clients write a whole value (%74%6F%6B...); the matcher adds upper case.
    forms.add([...Buffer.from(secret, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
  } catch {
    /* a lone surrogate cannot be URL-encoded, so it never travels that way */
  }
  const bytes = Buffer.from(secret, 'utf8');
  forms.add(bytes.toString('hex'));
  // Every character escaped, as code writes a string to hide it or to pass it through a template:
  // JSON's \u0074\u006b..., and that once more escaped (\\u0074...); C's and JavaScript's \x74\x6b...
  const everyChar = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  forms.add(everyChar);
  forms.add(everyChar.replaceAll('\\', '\\\\'));
  const xEscaped = [...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  forms.add(xEscaped);
  // And that inside JSON text (an upstream's error body, read before it is parsed): \\x74\\x6b...
  forms.add(xEscaped.replaceAll('\\', '\\\\'));
  for (const b of [bytes, Buffer.from(`${secret}:`, 'utf8')]) {
    forms.add(b.toString('base64'));
    forms.add(b.toString('base64url'));
  }
  for (const inner of base64Inner(bytes)) forms.add(inner);
  return [...forms].filter((f) => f.length >= MIN_FORM);
}

/** JSON with every character outside printable ASCII written as \uXXXX, as some servers escape. */
function asciiEscaped(s: string): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Base64 of the secret as it appears inside a longer base64 text: the characters that depend on the
 * secret's bytes only, for each of the three byte offsets it can start at.
 */
function base64Inner(bytes: Buffer): string[] {
  const out: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + bytes.length)) / 6);
    const inner = encoded.slice(first, last);
    if (inner.length >= 8) out.push(inner);
  }
  return out;
}
