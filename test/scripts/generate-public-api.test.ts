import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, OUTPUT } from '../../scripts/public-api/generate.mjs';
import { stripDescription } from '../../scripts/public-api/strip.mjs';
import { loadWords } from '../../scripts/public-api/words.mjs';
import { committedDescription, originalDescriptionPath, ROOT } from '../helpers/public-api/description.js';

/** The committed table must be exactly what the generator makes; a stale table fails here. */
const words = () => loadWords(resolve(ROOT, 'scripts/public-api/words'));
const committed = (rel: string) => readFileSync(resolve(ROOT, rel), 'utf8');

describe('generated Public API data', () => {
  it('matches the generator run on the committed description', () => {
    const files = generate(committedDescription(), words());
    for (const rel of Object.values(OUTPUT)) expect(files[rel], `${rel} is stale: run npm run generate:public-api`).toBe(committed(rel));
  });

  it.skipIf(!originalDescriptionPath())('matches the generator run on the original description', () => {
    const files = generate(JSON.parse(readFileSync(originalDescriptionPath()!, 'utf8')), words());
    for (const rel of Object.values(OUTPUT)) expect(files[rel], `${rel} differs from the original description's: run npm run generate:public-api -- <description>`).toBe(committed(rel));
  });

  it('is deterministic and idempotent', () => {
    const doc = committedDescription();
    expect(generate(doc, words())).toEqual(generate(structuredClone(doc), words()));
    expect(stripDescription(stripDescription(doc))).toEqual(stripDescription(doc));
  });

  it('fails loudly when an operation has no words, or words point nowhere', () => {
    const w = words();
    delete w.getSource;
    expect(() => generate(committedDescription(), w)).toThrow(/getSource: no words/);
    const w2 = words();
    w2.listSources = { ...w2.listSources, related: ['noSuchOperation'] };
    expect(() => generate(committedDescription(), w2)).toThrow(/related "noSuchOperation"/);
  });

  it('carries no prose from the description', () => {
    const doc = JSON.parse(committed(OUTPUT.openapi));
    const prose: string[] = [];
    const walk = (v: unknown, inProperties: boolean) => {
      if (Array.isArray(v)) return v.forEach((x) => walk(x, false));
      if (!v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v)) {
        if (!inProperties && ['description', 'title', 'example', 'examples', 'externalDocs'].includes(k) && typeof x !== 'object') prose.push(String(x));
        walk(x, k === 'properties');
      }
    };
    walk(doc, false);
    // Only the API's name and the standard reason phrases OpenAPI requires on responses remain.
    expect([...new Set(prose)].sort()).toEqual(['Created', 'Not Found', 'OK', 'Segment Public API', 'Too Many Requests', 'Unprocessable Entity']);
  });

  it('updates the table when the description changes', () => {
    const doc = committedDescription();
    doc.paths['/sources/{sourceId}'].get.summary = 'Read Source';
    doc.paths['/sources/{sourceId}'].get.parameters.push({ name: 'include', in: 'query', schema: { type: 'string', enum: ['labels'] } });
    const files = generate(doc, words());
    const index = JSON.parse(files[OUTPUT.index]!);
    const inputs = JSON.parse(files[OUTPUT.inputs]!);
    expect(index.operations.find((o: { operationId: string }) => o.operationId === 'getSource').title).toBe('Read Source');
    expect(inputs.getSource.inputSchema.properties.include).toEqual({ type: 'string', enum: ['labels'] });
  });
});
