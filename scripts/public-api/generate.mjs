import { deriveOperation, listOperations } from './derive.mjs';
import { collectionIds, deriveFacts } from './facts.mjs';
import { ALL_PAGES_LIMITS } from './rules.mjs';
import { sortKeys, stableJson } from './stable-json.mjs';
import { stripDescription } from './strip.mjs';
import { checkWords, relatedSlug } from './words.mjs';

/**
 * The whole generator as a pure function: an OpenAPI description (original or already stripped) and
 * the words in, the committed files out. The CLI writes them; a test compares them with the commit.
 */

export const OUTPUT = {
  openapi: 'data/public-api/openapi.json',
  index: 'data/public-api/index.json',
  inputs: 'data/public-api/inputs.json',
};

export function generate(description, words) {
  const doc = stripDescription(description);
  const ops = listOperations(doc);
  checkWords(ops.map((o) => o.op.operationId), words);

  const operations = [];
  const inputs = {};
  const slugs = new Map();
  const collections = collectionIds(Object.keys(doc.paths));
  for (const o of ops) {
    const { entry, input, data } = deriveOperation(o, doc);
    if (slugs.has(entry.slug)) throw new Error(`${entry.operationId} and ${slugs.get(entry.slug)} share the slug ${entry.slug}`);
    slugs.set(entry.slug, entry.operationId);
    const w = words[entry.operationId];
    operations.push({
      ...entry,
      description: w.description.trim().replace(/\s+/g, ' '),
      tags: [...new Set([...(w.tags ?? []), entry.tag].map((t) => t.toLowerCase()))],
      useCases: w.useCases,
      pitfalls: [...(w.pitfalls ?? []), ...autoPitfalls(entry, input.plan)],
      related: (w.related ?? []).map(relatedSlug),
      facts: deriveFacts(entry, input, data, collections, w.facts),
    });
    inputs[entry.operationId] = input;
  }
  operations.sort((a, b) => a.slug.localeCompare(b.slug));
  const { text, at } = inputsText(inputs);
  const index = { api: { title: doc.info.title, version: doc.info.version }, allPages: ALL_PAGES_LIMITS, inputsAt: at, operations };
  return {
    [OUTPUT.openapi]: stableJson(doc),
    [OUTPUT.index]: stableJson(index),
    [OUTPUT.inputs]: text,
  };
}

/**
 * inputs.json as stableJson writes it, and where each operation's value lies in it ([byte offset,
 * byte length]): a call reads its own input without reading the whole file.
 */
function inputsText(inputs) {
  const at = {};
  let text = '{\n';
  const ids = Object.keys(inputs).sort();
  ids.forEach((id, i) => {
    text += `  ${JSON.stringify(id)}: `;
    const value = JSON.stringify(sortKeys(inputs[id]), null, 2).replace(/\n/g, '\n  ');
    at[id] = [Buffer.byteLength(text), Buffer.byteLength(value)];
    text += value + (i < ids.length - 1 ? ',\n' : '\n');
  });
  text += '}\n';
  if (text !== stableJson(inputs)) throw new Error('inputsText: the layout differs from stableJson');
  return { text, at };
}

/** Pitfalls that follow from the facts, in the same words for every tool they apply to. */
function autoPitfalls(entry, plan) {
  const out = [];
  if (entry.stability === 'alpha') out.push('Alpha in Segment\'s API (only v1alpha is offered): fields may change, and Segment may have to enable the feature for the workspace.');
  if (entry.stability === 'beta') out.push('Beta in Segment\'s API (no stable v1 yet): details may still change.');
  const page = plan.query.find((q) => q.name === 'pagination')?.page;
  if (plan.paging?.style === 'object' && page) {
    out.push(`Answers one page (${page.default} items unless pagination.count says otherwise, at most ${page.max}). For more, pass next_cursor back as pagination.cursor, or set all_pages: true.`);
  } else if (plan.paging?.style === 'flat') {
    out.push('Answers one page. For more, pass next_cursor back as cursor, or set all_pages: true.');
  }
  if (entry.access === 'destructive') out.push('Destructive and final: it deletes or revokes, so it runs only when the operator allows destructive tools (--allow-destructive).');
  return out;
}
