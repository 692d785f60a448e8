import type { Findings } from './findings.js';

/**
 * Values that look like personal data where it should not travel: email addresses, phone numbers,
 * payment card numbers (Luhn-checked, known card prefixes) and national ids (US SSN, UK NINO).
 * Judged by the value, never by the key: `user_email: true` is no alarm, an email under `note` is.
 * Scanners are linear (no backtracking patterns over whole values) and every string is read only up
 * to MAX_SCAN characters. A finding shows at most a few characters of what it found.
 */

export type PiiKind = 'email' | 'phone' | 'card' | 'national_id';

const MAX_SCAN = 2_048;
const MAX_DEPTH = 6;
const MAX_VALUES = 500;

const LABEL: Record<PiiKind, string> = {
  email: 'an email address',
  phone: 'a phone number',
  card: 'a payment card number',
  national_id: 'a national id number',
};

const LOCAL_CHAR = /[A-Za-z0-9._%+-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;

/** The first email address in a text, found around each "@" without a backtracking pattern. */
function findEmail(text: string): string | undefined {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && LOCAL_CHAR.test(text[start - 1]!)) start--;
    let end = at + 1;
    while (end < text.length && DOMAIN_CHAR.test(text[end]!)) end++;
    const local = text.slice(start, at);
    const domain = text.slice(at + 1, end).replace(/\.+$/, '');
    if (local && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(domain)) return `${local}@${domain}`;
  }
  return undefined;
}

/** +CC with 8-15 digits, or a North American number written with separators: (555) 123-4567. */
const INTERNATIONAL = /\+\d[\d ().-]{6,22}\d/g;
const NORTH_AMERICAN = /(?:^|[^\d])(\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)/;

function findPhone(text: string): string | undefined {
  for (const m of text.matchAll(INTERNATIONAL)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 8 && digits.length <= 15) return m[0];
  }
  const na = NORTH_AMERICAN.exec(text);
  return na ? na[0].replace(/^[^\d(]/, '') : undefined;
}

/** Luhn's checksum: what every payment card number satisfies (and 9 in 10 random digit strings do not). */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Prefixes card networks issue from (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). */
const CARD_PREFIX = /^(4|5[1-5]|2[2-7]|3[47]|3[068]|35|6011|64[4-9]|65|62)/;

/** Runs of 13-19 digits, optionally grouped by single spaces or dashes. */
const DIGIT_RUN = /\d(?:[ -]?\d){12,18}/g;

function findCard(text: string): string | undefined {
  for (const m of text.matchAll(DIGIT_RUN)) {
    const before = m.index === 0 ? '' : text[m.index! - 1]!;
    const after = text[m.index! + m[0].length] ?? '';
    if (/\d/.test(before) || /\d/.test(after)) continue;
    const digits = m[0].replace(/\D/g, '');
    if (CARD_PREFIX.test(digits) && luhn(digits)) return digits;
  }
  return undefined;
}

/** US SSN as written (123-45-6789, never 000/666/9xx areas), UK National Insurance number (QQ123456C). */
const SSN = /(?:^|[^\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])/;
const NINO = /(?:^|[^A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])(?![A-Za-z0-9])/;

export function findNationalId(text: string): string | undefined {
  const ssn = SSN.exec(text);
  if (ssn && ssn[1] !== '000' && ssn[1] !== '666' && !ssn[1]!.startsWith('9') && ssn[2] !== '00' && ssn[3] !== '0000') return `${ssn[1]}-${ssn[2]}-${ssn[3]}`;
  const nino = NINO.exec(text);
  return nino ? nino[1] : undefined;
}

/** A glimpse that never repeats the value: the first letter and the top-level domain, or the last digits. */
export function mask(kind: PiiKind, found: string): string {
  switch (kind) {
    case 'email': {
      const [local, domain = ''] = found.split('@');
      const tld = domain.slice(domain.lastIndexOf('.'));
      return `${local!.charAt(0)}***@***${tld}`;
    }
    case 'phone':
      return `***${found.replace(/\D/g, '').slice(-2)}`;
    case 'card':
      return `**** ${found.slice(-4)}`;
    case 'national_id':
      return '*****';
  }
}

/** What a string holds, most sensitive first; cheap tests first so ordinary values cost little. */
export function detect(text: string, allowContact: boolean): { kind: PiiKind; found: string } | undefined {
  const s = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  // What each pattern needs at the least, counted in one pass: most values are ids and words that
  // have the digits of one pattern but not its dashes or capitals, and never reach a regular expression.
  let digits = 0;
  let dashes = 0;
  let capitals = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 45) dashes++;
    else if (c >= 65 && c <= 90) capitals++;
  }
  if (digits >= 13) {
    const card = findCard(s);
    if (card) return { kind: 'card', found: card };
  }
  // An SSN is 9 digits with 2 dashes; a NINO has 6 digits and 3 capitals.
  if ((digits >= 9 && dashes >= 2) || (digits >= 6 && capitals >= 3)) {
    const id = findNationalId(s);
    if (id) return { kind: 'national_id', found: id };
  }
  if (allowContact) return undefined;
  if (s.includes('@')) {
    const email = findEmail(s);
    if (email) return { kind: 'email', found: email };
  }
  if (digits >= 8) {
    const phone = findPhone(s);
    if (phone) return { kind: 'phone', found: phone };
  }
  return undefined;
}

type Where = 'properties' | 'traits' | 'context';

/** The shortest value that can hold any of them (a@b.co). */
const MIN_PII_LENGTH = 6;

const ADVICE: Record<PiiKind, (where: Where) => string> = {
  email: (w) => (w === 'traits' ? 'keep contact details in identify traits' : 'send it as an identify trait (traits.email), not in event data, or drop it'),
  phone: () => 'send it as an identify trait (traits.phone), not in event data, or drop it',
  card: () => 'never send card numbers: remove the value (a token or the last 4 digits is enough)',
  national_id: () => 'remove the value: national ids should not leave your systems',
};

/** Context fields that are Segment's own technical data, not free text a person typed. */
const TECHNICAL_CONTEXT = new Set(['ip', 'userAgent', 'library', 'device', 'os', 'app', 'network', 'screen', 'locale', 'timezone', 'location', 'groupId', 'direct', 'active']);

function report(out: Findings, index: number, parent: string, key: string, kind: PiiKind, found: string, where: Where): void {
  if (!out.wants('pii', 'warning')) return;
  const at = `${parent}.${key}`;
  out.push({ index, severity: 'warning', kind: 'pii', field: at, message: `${at} holds what looks like ${LABEL[kind]} (${mask(kind, found)})`, fix: ADVICE[kind](where) });
}

/**
 * Scans one value; answers how many values of the message have been read, `scanned` included (the
 * walk stops at MAX_VALUES). The count goes down and back as an argument, not in an object made for
 * each message: every message of a batch is scanned. Paths are built only for a finding or a nested
 * object: most values are short strings with nothing in them.
 */
function scanValue(out: Findings, index: number, v: unknown, parent: string, key: string, allowContact: boolean, where: Where, depth: number, scanned: number): number {
  if (++scanned > MAX_VALUES) return scanned;
  if (typeof v === 'string') {
    if (v.length < MIN_PII_LENGTH) return scanned;
    const hit = detect(v, allowContact);
    if (hit) report(out, index, parent, key, hit.kind, hit.found, where);
  } else if (typeof v === 'number') {
    // A card number sent as a number: 13 digits and more.
    if (v >= 1e12 && v < 1e21 && Number.isInteger(v)) {
      const card = findCard(v.toFixed(0));
      if (card) report(out, index, parent, key, 'card', card, where);
    }
  } else if (v !== null && typeof v === 'object' && depth < MAX_DEPTH) {
    return scanContainer(out, index, v as Record<string, unknown>, `${parent}.${key}`, allowContact, where, depth + 1, scanned);
  }
  return scanned;
}

function scanContainer(out: Findings, index: number, o: Record<string, unknown> | unknown[], at: string, allowContact: boolean, where: Where, depth: number, scanned: number): number {
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) scanned = scanValue(out, index, o[i], at, String(i), allowContact, where, depth, scanned);
    return scanned;
  }
  for (const k in o) scanned = scanValue(out, index, o[k], at, k, allowContact, where, depth, scanned);
  return scanned;
}

/**
 * PII findings for one message. Traits (identify and group traits, and context.traits) may carry
 * email and phone, as Segment intends; cards and national ids are reported everywhere.
 * Plain functions, not closures made per message: a batch checks every message.
 */
export function checkPii(type: string, message: Record<string, unknown>, index: number, out: Findings): void {
  let scanned = 0;
  const traitsAllowed = type === 'identify' || type === 'group';
  const { properties, traits, context } = message;
  if (properties && typeof properties === 'object') scanned = scanContainer(out, index, properties as Record<string, unknown>, 'properties', false, 'properties', 0, scanned);
  if (traits && typeof traits === 'object') scanned = scanContainer(out, index, traits as Record<string, unknown>, 'traits', traitsAllowed, 'traits', 0, scanned);
  if (context && typeof context === 'object' && !Array.isArray(context)) {
    const c = context as Record<string, unknown>;
    for (const k in c) {
      if (TECHNICAL_CONTEXT.has(k)) continue;
      scanned = k === 'traits' ? scanValue(out, index, c[k], 'context', k, true, 'traits', 0, scanned) : scanValue(out, index, c[k], 'context', k, false, 'context', 0, scanned);
    }
  }
}
