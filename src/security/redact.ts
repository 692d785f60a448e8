import { secretForms } from './secret-forms.js';

/**
 * Keeps secrets out of everything a person or a model can read. Every tool result, log line, audit
 * line and CLI output passes through a Redactor that knows the live write key and token, in every
 * form they travel in (see secret-forms.ts), as written, upper-cased or lower-cased.
 */

/**
 * The shortest secret the redactor masks: a shorter one would turn every such run of letters in every
 * text into a mask. Segment's write keys are 32 characters and tokens longer; a shorter one is refused
 * where it comes in (connections/sources.ts, connections/service.ts).
 */
export const SECRET_MIN_CHARS = 4;

/** A secret too short to be masked, said in the words of where it came from; undefined when it is fine. */
export function tooShortSecret(label: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value.length >= SECRET_MIN_CHARS) return undefined;
  return `${label} is ${value.length} character${value.length === 1 ? '' : 's'} long: Segment's write keys are 32 characters and tokens longer. Give the whole key.`;
}

/** How a secret may be shown: at most its last four characters. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '(none)';
  return secret.length <= 8 ? '****' : `****${secret.slice(-4)}`;
}

/**
 * A run of characters of a secret long enough to count as the secret (a secret split in two and echoed
 * in two fields): half of it, at least PIECE_MIN characters, never less. A shorter piece is not masked,
 * on purpose. Whether a text gets masked tells whoever chose the text (an agent's arguments echoed in a
 * dry run or by an upstream's 404; a script asking again and again) whether it held a piece of the key:
 * with 8-character pieces a script read a 32-character write key whole in 59 calls. A piece of half the
 * key leaves at least 12 characters to guess at once besides the 4 a mask shows: 62^12 tries.
 */
const PIECE_MIN = 12;
const pieceOf = (secretLength: number) => Math.min(secretLength, Math.max(PIECE_MIN, Math.floor(secretLength / 2)));
/** The shortest piece any secret has: texts shorter hold none. */
const FRAGMENT = PIECE_MIN;

/** Pieces by their length in the text (a piece of an encoded form is longer than the secret's). */
type Pieces = Map<number, Set<string>>;

const addPieces = (pieces: Pieces, form: string, length: number) => {
  if (length >= form.length) return; // the whole form: the matcher masks it
  let set = pieces.get(length);
  if (!set) pieces.set(length, (set = new Set()));
  for (let i = 0; i + length <= form.length; i++) set.add(form.slice(i, i + length));
};
const countPieces = (pieces: Pieces) => [...pieces.values()].reduce((n, set) => n + set.size, 0);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Lower case for ASCII letters only: every other character keeps its place ("İ".toLowerCase() is two characters long). */
const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

export class Redactor {
  private readonly secrets = new Set<string>();

  /**
   * `rewrites`: what else the router itself makes of a text that holds a secret, masked too. The
   * naming check's fixes rewrite a name (a write key used as an event name or a key comes back in
   * Title Case words or snake_case); the app passes them (quality/naming.ts), so the forms are exact.
   */
  constructor(private readonly rewrites?: (secret: string) => string[]) {}
  private matcher?: { pattern: RegExp; forms: string[]; shortest: number; grams: Pieces; own: Pieces; gramPattern?: RegExp };

  /** Registers a secret; its encoded and escaped forms are masked with it. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < SECRET_MIN_CHARS || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.matcher = undefined;
  }

  /** Replaces every known secret, in any of its forms, as written or upper- or lower-cased (longest first, so encodings are not half-masked). */
  text(input: string): string {
    let out = input;
    const m = this.compiled();
    if (m && out.length >= m.shortest && m.forms.some((f) => out.includes(f))) out = out.replace(m.pattern, (hit) => this.mask(hit));
    if (out.length < 8) return out;
    // Credentials that were never registered still do not leak through auth headers.
    if (out.includes('Bearer')) out = out.replace(/(Bearer\s+)(?!\*{4})[A-Za-z0-9._~+/=-]{8,}/g, '$1****');
    if (out.includes('Basic')) out = out.replace(/(Basic\s+)(?!\*{4})[A-Za-z0-9+/=]{8,}/g, '$1****');
    return out;
  }

  /**
   * For text from outside (an upstream answer) that will be cut and shown: also masks any piece of a
   * secret (half of it, see PIECE_MIN), so halves of a secret echoed in two fields do not leak.
   * Costs a few steps per character and piece length: use it on bounded text.
   */
  upstream(input: string): string {
    return this.maskPieces(this.text(input), this.compiled()?.grams, asciiLower);
  }

  /**
   * Masks every run of FRAGMENT characters found in `grams` (compared as `fold` makes them). Errors
   * compare in lower case, every form of the secrets; whole answers, case-sensitive, the secrets as
   * written: an answer's own words ("WRITE_KEY" in a slug) are not pieces of a key that holds "write_key".
   */
  private maskPieces(out: string, grams: Pieces | undefined, fold: (s: string) => string): string {
    if (!grams?.size || out.length < FRAGMENT) return out;
    const lower = fold(out);
    const hide = new Uint8Array(out.length);
    let any = false;
    for (const [length, set] of grams) {
      for (let i = 0; i + length <= lower.length; i++) {
        if (set.has(lower.slice(i, i + length))) {
          hide.fill(1, i, i + length);
          any = true;
        }
      }
    }
    if (!any) return out;
    let result = '';
    for (let i = 0; i < out.length; i++) {
      if (!hide[i]) result += out[i];
      else if (i === 0 || !hide[i - 1]) result += '****';
    }
    return result;
  }

  /** Deep-redacts a JSON value, string by string (keys too); any depth, without recursion. */
  value<T>(input: T): T {
    if (input === undefined || input === null) return input;
    if (typeof input === 'string') return this.text(input) as T;
    if (typeof input !== 'object') return input;
    // Most answers hold no secret: one look at the whole text decides whether to walk it, and whether
    // a piece of one may be there (halves in two fields), which each string is then searched for.
    const whole = JSON.stringify(input) ?? '';
    const pieces = this.mayHoldPiece(whole);
    if (!pieces && !this.mayHold(whole)) return input;
    const own = this.compiled()?.own;
    const mask = pieces ? (t: string) => this.maskPieces(this.text(t), own, (s) => s) : (t: string) => this.text(t);
    const root = Array.isArray(input) ? [...input] : { ...(input as object) };
    const stack: (Record<string, unknown> | unknown[])[] = [root as Record<string, unknown>];
    while (stack.length) {
      const node = stack.pop()!;
      if (Array.isArray(node)) {
        node.forEach((v, i) => (node[i] = this.step(v, stack, mask)));
      } else {
        for (const [k, v] of Object.entries(node)) {
          const key = mask(k);
          if (key !== k) delete node[k];
          node[key] = this.step(v, stack, mask);
        }
      }
    }
    return root as T;
  }

  /** True when the text holds something text() would change. */
  private mayHold(text: string): boolean {
    const m = this.compiled();
    return text.includes('Bearer') || text.includes('Basic') || (!!m && m.forms.some((f) => text.includes(f)));
  }

  /** True when a piece of a secret is in the text: one search for all of them. */
  private mayHoldPiece(text: string): boolean {
    const m = this.compiled();
    return !!m?.gramPattern && text.length >= FRAGMENT && m.gramPattern.test(text);
  }

  private step(v: unknown, stack: (Record<string, unknown> | unknown[])[], mask: (t: string) => string): unknown {
    if (typeof v === 'string') return mask(v);
    if (!v || typeof v !== 'object') return v;
    const copy = Array.isArray(v) ? [...v] : { ...(v as object) };
    stack.push(copy as Record<string, unknown>);
    return copy;
  }

  /** The secret itself keeps its last four characters when they are plain; any other form is masked whole. */
  private mask(hit: string): string {
    return this.secrets.has(hit) && /^[A-Za-z0-9_-]+$/.test(hit.slice(-4)) ? maskSecret(hit) : '****';
  }

  /**
   * The naming check's rewrites of a secret as written, upper- and lower-cased (each splits into other
   * words), at least as long as the secret or 8 characters: never a short common word.
   */
  private rewritten(secret: string): string[] {
    if (!this.rewrites) return [];
    const least = Math.min(8, secret.length);
    return [secret, secret.toUpperCase(), secret.toLowerCase()].flatMap(this.rewrites).filter((f) => f.length >= least);
  }

  private compiled() {
    if (!this.secrets.size) return undefined;
    if (!this.matcher) {
      const variants = [...this.secrets].flatMap((s) => [s, s.toUpperCase(), s.toLowerCase()]);
      const all = [...new Set(variants)].flatMap(secretForms);
      const forms = [...new Set([...all, ...all.map((f) => f.toUpperCase()), ...[...this.secrets].flatMap((s) => this.rewritten(s))])].sort((a, b) => b.length - a.length);
      // Pieces of the secret and of its escaped forms (as the text shows them), compared in lower case: in
      // each form, as many of its characters as stand for a piece of the secret (three a byte, %74).
      const grams: Pieces = new Map();
      for (const secret of this.secrets) {
        const piece = pieceOf(secret.length);
        for (const variant of new Set([secret, secret.toUpperCase(), secret.toLowerCase()])) {
          for (const f of secretForms(variant)) addPieces(grams, f.toLowerCase(), Math.ceil((f.length * piece) / secret.length));
        }
      }
      // Pieces of the secrets as written, for whole answers (one regex probe: a regex of every form's pieces cost ~45 ms a MB, this ~6).
      const own: Pieces = new Map();
      for (const secret of this.secrets) addPieces(own, secret, pieceOf(secret.length));
      const gramPattern = countPieces(own) ? new RegExp([...own.values()].flatMap((set) => [...set]).map(escapeRegExp).join('|')) : undefined;
      this.matcher = { pattern: new RegExp(forms.map(escapeRegExp).join('|'), 'g'), forms, shortest: forms[forms.length - 1]!.length, grams, own, gramPattern };
    }
    return this.matcher;
  }
}

/**
 * A JSON parse error without the piece of input the parser quotes: that piece is cut anywhere, so it
 * can hold part of a secret that no redactor would recognise.
 */
export function jsonErrorReason(err: unknown): string {
  // V8 quotes the input as it is, quotes and all ("{"a": }" is not valid JSON): up to the last quote before the verdict.
  return String((err as Error)?.message ?? err)
    .replace(/"[\s\S]*"(?:\.\.\.)?(?= is not valid JSON)/, '(input)')
    .replace(/"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g, '(input)');
}
