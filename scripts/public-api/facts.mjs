/**
 * What each operation does, as data (see ToolFacts in src/registry/types.ts): its operation (one verb),
 * its object, where it acts (scope), the ids it needs and the ids its answer yields. Read from the
 * operationId, the path and the response schema; a words file may correct any of them (`facts:`).
 * Search, related tools and plans read these facts; nothing at run time parses slugs.
 */

/** Leading operationId words -> the operation they perform. */
const OPERATIONS = {
  list: 'list', get: 'get', create: 'create', update: 'update', delete: 'delete', add: 'add', remove: 'remove',
  replace: 'replace', cancel: 'cancel', restore: 'restore', preview: 'preview', force: 'run', batch: 'get', echo: 'get',
};
/** Second words that belong to the verb (forceExecute, batchQuery). */
const VERB_TAILS = new Set(['execute', 'query']);
/** Words that end the object and start where it acts: listSourcesFromTrackingPlan. */
const JOINS = new Set(['from', 'in', 'to', 'for', 'by', 'on']);

/** Names the API gives one kind of id in different places. */
const SAME_ID = { destinationConfigId: 'destinationId', integrationId: 'destinationId', regulateId: 'regulationId' };
/** Ids that are not Segment's to hand out (an end user's own ids): no call yields them. */
const NOT_SEGMENT_IDS = new Set(['subjectIds', 'userIds', 'collectionId', 'queryIdentifierColumn']);

const words = (camel) => camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase().split(/\s+/).filter(Boolean);
const camel = (ws) => ws.map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join('');
const singular = (w) => (w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.endsWith('ses') || w.endsWith('xes') ? w.slice(0, -2) : w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

/** "{id}" after "audiences" is an audienceId; "computed-traits/{id}" a computedTraitId. */
function idName(param, segmentBefore) {
  if (param === 'id') return `${camel(segmentBefore.split('-').map(singular))}Id`;
  return SAME_ID[param] ?? param;
}

const isId = (name) => /(^id|Id|Ids)$/.test(name) || name === 'writeKey';

/** Each collection segment of the API's paths and the id that picks one of its items. */
export function collectionIds(paths) {
  const out = new Map();
  for (const path of paths) {
    const segs = path.split('/').filter(Boolean);
    for (let i = 1; i < segs.length; i++) {
      const m = /^\{(.+)\}$/.exec(segs[i]);
      if (!m || segs[i - 1].startsWith('{')) continue;
      const key = segs.slice(0, i).join('/');
      const id = idName(m[1], segs[i - 1]);
      if (!isId(m[1])) continue;
      out.set(key, [...new Set([...(out.get(key) ?? []), id])].sort());
    }
  }
  return out;
}

/** Ids a call needs: the path's ids and the required query or body fields that are ids. */
function needsOf(entry, input) {
  const segs = entry.path.split('/').filter(Boolean);
  const out = [];
  for (let i = 0; i < segs.length; i++) {
    const m = /^\{(.+)\}$/.exec(segs[i]);
    if (m && isId(m[1])) out.push(idName(m[1], segs[i - 1] ?? ''));
  }
  for (const name of input.inputSchema.required ?? []) {
    if (input.plan.path.includes(name) || !isId(name) || NOT_SEGMENT_IDS.has(name)) continue;
    // A catalog id is named after what the call makes: createSource's metadataId is a source type.
    out.push(name === 'metadataId' ? `${singular(objectWords(entry.operationId).at(-1) ?? '')}MetadataId` : SAME_ID[name] ?? name);
  }
  return [...new Set(out)];
}

function objectWords(operationId) {
  const ws = words(operationId);
  let rest = ws.slice(1);
  if (VERB_TAILS.has(rest[0])) rest = rest.slice(1);
  const join = rest.findIndex((w) => JOINS.has(w));
  return join < 0 ? rest : rest.slice(0, join);
}

/**
 * Ids the answer carries: a list's items (its path is a collection, or it answers arrays named after
 * one), or what a create makes (data.source.id -> sourceId).
 */
function yieldsOf(entry, data, collections) {
  const out = new Set();
  const own = collections.get(entry.path.split('/').filter(Boolean).join('/'));
  if (entry.method === 'GET' && own) for (const id of own) out.add(id);
  // The shortest path with that name is the workspace's own collection (sources, not catalog/sources).
  const byName = (name) => [...collections].filter(([key]) => key.split('/').at(-1) === name).sort(([a], [b]) => a.length - b.length || a.localeCompare(b))[0]?.[1] ?? [];
  if (entry.method === 'GET' || entry.method === 'POST') {
    for (const [name, schema] of Object.entries(data?.properties ?? {})) {
      const item = schema.type === 'array' ? schema.items : schema;
      if (!item?.properties?.id) continue;
      const plural = words(name).join('-');
      for (const id of byName(plural).length ? byName(plural) : byName(`${plural}s`)) out.add(id);
    }
  }
  return [...out].sort();
}

/**
 * Ids of other things the answer names (a Reverse ETL model's sourceId, a source's trackingPlanId), among the ids paths
 * use. Not catalog ids: a transformation's destinationMetadataId is a kind of destination, which is
 * looked up in the catalog, not taken from whatever else uses it.
 */
function mentionsOf(entry, data, collections) {
  const out = new Set();
  const known = new Set([...collections.values()].flat());
  if (entry.method !== 'GET') return [];
  for (const [name, schema] of Object.entries(data?.properties ?? {})) {
    // An id beside the answer's item (GET_SOURCE's trackingPlanId: the plan connected to that source).
    const beside = SAME_ID[name] ?? name;
    if ([schema.type].flat().includes('string') && known.has(beside) && !beside.endsWith('MetadataId')) out.add(beside);
    const item = schema.type === 'array' ? schema.items : schema;
    if (!item?.properties?.id) continue;
    for (const [field, value] of Object.entries(item.properties)) {
      const id = SAME_ID[field] ?? field;
      if (value?.type === 'string' && known.has(id) && !id.endsWith('MetadataId')) out.add(id);
    }
  }
  return [...out].sort();
}

/**
 * Where a call acts when its name does not say: the collection whose item its path goes through
 * (/spaces/{spaceId}/audiences/{id}: an audience of a space).
 */
function pathScope(path) {
  const segs = path.split('/').filter(Boolean);
  // A collection then its item's id, with a collection of the call's own after them.
  const parents = segs.filter((s, i) => !s.startsWith('{') && segs[i + 1]?.startsWith('{') && segs.slice(i + 2).some((t) => !t.startsWith('{')));
  const last = parents.at(-1);
  return last ? { scope: last.split('-').map(singular).join(' ') } : {};
}

/**
 * The scope named after the join word, without a last word that is the object's own (updateProfilesWarehouse
 * ForSpaceWarehouse acts on a space's profiles warehouse: its scope is the space).
 */
function ownless(scope, objectHead) {
  return scope.length > 1 && scope.at(-1) === objectHead ? scope.slice(0, -1).join(' ') : scope.join(' ');
}

/** A call never needs to look up what it yields itself (GET_SOURCE needs the sourceId it answers with). */
const without = (list, drop) => list.filter((x) => !drop.includes(x));

export function deriveFacts(entry, input, data, collections, override = {}) {
  const ws = words(entry.operationId);
  let rest = ws.slice(1);
  if (VERB_TAILS.has(rest[0])) rest = rest.slice(1);
  const join = rest.findIndex((w) => JOINS.has(w));
  const facts = {
    operation: OPERATIONS[ws[0]] ?? ws[0],
    object: (join < 0 ? rest : rest.slice(0, join)).join(' '),
    ...(join >= 0 ? { scope: ownless(rest.slice(join + 1), rest[join - 1]) } : pathScope(entry.path)),
    needs: needsOf(entry, input),
    yields: [],
  };
  facts.yields = without(yieldsOf(entry, data, collections), facts.needs);
  const mentions = without(mentionsOf(entry, data, collections), [...facts.needs, ...facts.yields]);
  if (mentions.length) facts.mentions = mentions;
  // A words file corrects what the description cannot say; its lists replace the derived ones.
  return { ...facts, ...override };
}
