/**
 * Keeps secrets out of everything a person or a model can read. Every tool result, log line and
 * CLI output passes through a Redactor that knows the live write key and token.
 */

/** How a secret may be shown: at most its last four characters. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '(none)';
  return secret.length <= 8 ? '****' : `****${secret.slice(-4)}`;
}

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret and the encodings it travels in (HTTP Basic carries `base64(key + ':')`). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    this.secrets.add(Buffer.from(`${secret}:`).toString('base64'));
    this.secrets.add(Buffer.from(secret).toString('base64'));
    this.secrets.add(encodeURIComponent(secret));
  }

  /** Replaces every known secret (longest first, so encodings are not half-masked). */
  text(input: string): string {
    let out = input;
    const sorted = [...this.secrets].sort((a, b) => b.length - a.length);
    for (const s of sorted) {
      if (out.includes(s)) out = out.split(s).join(maskSecret(s));
    }
    // Credentials that were never registered still do not leak through auth headers.
    out = out.replace(/(Bearer\s+)(?!\*{4})[A-Za-z0-9._~+/=-]{8,}/g, '$1****');
    out = out.replace(/(Basic\s+)(?!\*{4})[A-Za-z0-9+/=]{8,}/g, '$1****');
    return out;
  }

  /** Deep-redacts a JSON value by round-tripping through text (results are JSON anyway). */
  value<T>(input: T): T {
    if (input === undefined) return input;
    return JSON.parse(this.text(JSON.stringify(input))) as T;
  }
}

/**
 * A JSON parse error without the piece of input the parser quotes: that piece is cut anywhere, so it
 * can hold part of a secret that no redactor would recognise.
 */
export function jsonErrorReason(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g, '(input)');
}
