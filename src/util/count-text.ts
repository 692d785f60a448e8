/**
 * 25000 -> "25,000": what toLocaleString('en-US') writes for an integer, without ICU. A process's first
 * toLocaleString loads ICU's locale data, some 18 ms on this machine: at start-up (a tool description
 * says its limits) and on the first call to word a count. Other numbers go to toLocaleString itself.
 */
export function countText(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** A count and its noun, singular for one: `countOf(1, 'request')` -> "1 request", `countOf(2, 'request')` -> "2 requests". */
export function countOf(n: number, noun: string, nouns = `${noun}s`): string {
  return `${countText(n)} ${n === 1 ? noun : nouns}`;
}
