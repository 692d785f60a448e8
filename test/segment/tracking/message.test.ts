import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIBRARY, serialise, writeMessage } from '../../../src/segment/tracking/message.js';

/**
 * A message is sent from the bytes its client wrote (a batch over stdio, an import's records): the
 * router's members go into those bytes. Whatever the client's spelling, what leaves must read, with
 * no key twice, as the message that was checked with those members added.
 */

/** JSON.parse, refusing an object that has a key twice (JSON.parse keeps the last; another reader may keep the first). */
function readOnce(text: string): unknown {
  let at = 0;
  const space = () => {
    while (' \t\n\r'.includes(text[at]!) && at < text.length) at++;
  };
  const string = () => {
    const from = at++;
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    return JSON.parse(text.slice(from, ++at)) as string;
  };
  const value = (): unknown => {
    space();
    if (text[at] === '{') {
      at++;
      const o: Record<string, unknown> = {};
      const keys = new Set<string>();
      space();
      if (text[at] === '}') return at++, o;
      for (;;) {
        space();
        const k = string();
        if (keys.has(k)) throw new Error(`"${k}" twice`);
        keys.add(k);
        space();
        at++; // :
        Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
        space();
        if (text[at++] === '}') return o;
      }
    }
    if (text[at] === '[') {
      at++;
      const a: unknown[] = [];
      space();
      if (text[at] === ']') return at++, a;
      for (;;) {
        a.push(value());
        space();
        if (text[at++] === ']') return a;
      }
    }
    if (text[at] === '"') return string();
    const literal = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|^true|^false|^null/.exec(text.slice(at, at + 400))![0];
    at += literal.length;
    return JSON.parse(literal);
  };
  JSON.parse(text); // refuses what is not JSON
  return value();
}

/** JSON text put in as it is. */
class Verbatim {
  constructor(readonly text: string) {}
}

/** `v`'s JSON as a client may write it: spaces anywhere between tokens, letters as \u escapes, `1.0` for `1`. */
function spelled(v: unknown, next: () => number): string {
  if (v instanceof Verbatim) return v.text;
  const space = () => [' ', '', '\t', '  ', '\r'][next() % 5]!;
  const text = (s: string) => JSON.stringify(s).replace(/[a-z]/g, (c) => (next() % 4 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  if (Array.isArray(v)) return `[${space()}${v.map((x) => spelled(x, next)).join(`${space()},${space()}`)}${space()}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const members = Object.keys(o).filter((k) => o[k] !== undefined).map((k) => `${text(k)}${space()}:${space()}${spelled(o[k], next)}`);
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  }
  if (typeof v === 'string') return text(v);
  if (typeof v === 'number' && Number.isInteger(v) && next() % 3 === 0) return `${v}.0`;
  return JSON.stringify(v);
}

describe('a message sent from its client\'s bytes', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 5 });
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, text, fc.integer({ min: -1e6, max: 1e6 }), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'context', 'library', '1', '__proto__'), tie('v'), { maxKeys: 3 })),
  })).v;
  const context = fc.oneof(fc.constant(undefined), fc.constant({}), fc.dictionary(fc.constantFrom('ip', 'traits', 'library', '2', '1', '__proto__'), value, { maxKeys: 3 }));
  const message = fc.record(
    {
      type: fc.constant('track'),
      userId: text,
      event: text,
      properties: fc.dictionary(fc.constantFrom('a', 'context', 'x'), value, { maxKeys: 3 }),
      context,
      messageId: fc.constant('given'),
      timestamp: fc.constant('2026-01-01T00:00:00Z'),
    },
    { requiredKeys: ['type', 'userId', 'event'] },
  );
  const PREFIX = 'sr-00000000-0000-0000-0000-000000000000-';
  const NOW = '2026-12-04T00:00:00.000Z';

  it('property: leaves as the message with context.library, its timestamp and id, whatever the spelling; measured as written', () => {
    fc.assert(
      fc.property(message, fc.integer(), fc.nat({ max: 40 }), fc.boolean(), (given, seed, index, nestedCopy) => {
        let state = seed >>> 0;
        const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8;
        // A value nested in the message with the text of its own context member, as JSON.stringify writes it.
        if (nestedCopy && given.context) given = { ...given, properties: { ...given.properties, x: new Verbatim(`{"context":${JSON.stringify(given.context)}}`) } };
        const bytes = Buffer.from(`[${spelled(given, next)}]`);
        const checked = JSON.parse(bytes.toString('utf8', 1, bytes.length - 1)) as Record<string, unknown>;
        const m = serialise(checked, index, { block: bytes, start: 1, end: bytes.length - 1 });
        const out = Buffer.alloc(m.bytes);
        expect(writeMessage(m, PREFIX, NOW, out, 0)).toBe(m.bytes);
        const expected = JSON.parse(JSON.stringify(checked)) as Record<string, unknown>;
        const ctx = (checked.context ?? {}) as Record<string, unknown>;
        expected.context = ctx.library ? ctx : { ...ctx, library: LIBRARY };
        if (typeof checked.timestamp !== 'string') expected.timestamp = NOW;
        if (typeof checked.messageId !== 'string') expected.messageId = PREFIX + index;
        const sent = readOnce(out.toString('utf8'));
        expect(isDeepStrictEqual(JSON.parse(JSON.stringify(sent)), JSON.parse(JSON.stringify(expected)))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});
