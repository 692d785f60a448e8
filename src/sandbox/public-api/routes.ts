import { fail, isAnswer, jsonBody, notFound, ok, paginate, type PublicApiAnswer } from './answers.js';
import type { Handler, RouteRequest } from './handler.js';
import { METRIC_HANDLERS } from './metric-routes.js';
import { defaultSchemaSettings, source, type Obj, type PublicApiStore } from './store.js';

/**
 * The stateful operations: workspace, sources (with write keys and schema settings), destinations,
 * warehouses and tracking plans. Everything else the description has gets a sample answer.
 */

const find = (list: Obj[], id: string) => list.find((x) => x.id === id);

function list(items: Obj[], key: string, r: RouteRequest): PublicApiAnswer {
  const page = paginate(items, r.query);
  return isAnswer(page) ? page : ok({ [key]: page.items, pagination: page.pagination });
}

function withSource(s: PublicApiStore, r: RouteRequest, then: (src: Obj) => PublicApiAnswer): PublicApiAnswer {
  const src = find(s.sources, r.params.sourceId!);
  return src ? then(src) : notFound('Source', r.params.sourceId!);
}

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
const RULE_TYPES = ['TRACK', 'IDENTIFY', 'GROUP', 'PAGE', 'SCREEN', 'COMMON'];

/** The checks the API makes on a source update, as 422s naming the field. */
function checkSourceUpdate(body: Obj): PublicApiAnswer | undefined {
  if ('name' in body && (typeof body.name !== 'string' || !body.name.trim())) return fail(422, 'validation', 'name must be a non-empty string.', { field: 'name' });
  if ('slug' in body && (typeof body.slug !== 'string' || !SLUG.test(body.slug))) return fail(422, 'validation', 'slug may hold only lower-case letters, digits, "-" and "_".', { field: 'slug' });
  if ('enabled' in body && typeof body.enabled !== 'boolean') return fail(422, 'validation', 'enabled must be a boolean.', { field: 'enabled' });
  if ('settings' in body && (typeof body.settings !== 'object' || body.settings === null || Array.isArray(body.settings))) return fail(422, 'validation', 'settings must be an object.', { field: 'settings' });
  return undefined;
}

/** Replaces (or, with `keep`, adds to) a source's labels; answers every label it now has. */
function setLabels(src: Obj, r: RouteRequest, keep: boolean): PublicApiAnswer {
  const body = jsonBody(r.body);
  if (isAnswer(body)) return body;
  const given = body.labels;
  if (!Array.isArray(given) || !given.every((l) => l && typeof l.key === 'string' && typeof l.value === 'string')) {
    return fail(422, 'validation', 'labels must be a list of {key, value} strings.', { field: 'labels' });
  }
  const labels = keep ? [...(src.labels as Obj[])] : [];
  for (const l of given as Obj[]) if (!labels.some((x) => x.key === l.key && x.value === l.value)) labels.push({ key: l.key, value: l.value });
  src.labels = labels;
  return ok({ labels });
}

const planOf = (s: PublicApiStore, sourceId: string) => Object.entries(s.planSources).find(([, ids]) => ids.includes(sourceId))?.[0] ?? null;

export const HANDLERS: Record<string, Handler> = {
  ...METRIC_HANDLERS,
  'GET /': (s) => ok({ workspace: s.workspace }),

  'GET /sources': (s, r) => list(s.sources, 'sources', r),
  'POST /sources': (s, r) => {
    const body = jsonBody(r.body);
    if (isAnswer(body)) return body;
    if (typeof body.slug !== 'string' || !SLUG.test(body.slug)) return fail(422, 'validation', 'slug is required: lower-case letters, digits, "-" and "_".', { field: 'slug' });
    if (s.sources.some((x) => x.slug === body.slug)) return fail(409, 'conflict', `A source with slug ${body.slug} exists.`, { field: 'slug' });
    const created = { ...source(`src_new${s.nextId++}`, body.slug, body.slug, [`sandbox-key-${s.nextId}`], s.workspace.id), enabled: body.enabled !== false, settings: body.settings ?? {} };
    s.sources.push(created);
    return ok({ source: created }, 201);
  },
  'GET /sources/{sourceId}': (s, r) => withSource(s, r, (src) => ok({ source: src, trackingPlanId: planOf(s, String(src.id)) })),
  'PATCH /sources/{sourceId}': (s, r) =>
    withSource(s, r, (src) => {
      const body = jsonBody(r.body);
      if (isAnswer(body)) return body;
      const bad = checkSourceUpdate(body);
      if (bad) return bad;
      for (const k of ['name', 'slug', 'enabled', 'settings'] as const) if (k in body) src[k] = body[k];
      return ok({ source: src });
    }),
  'DELETE /sources/{sourceId}': (s, r) =>
    withSource(s, r, (src) => {
      s.sources.splice(s.sources.indexOf(src), 1);
      return ok({ status: 'SUCCESS' });
    }),
  // Labels on a source, so scripts that label many sources see what they did.
  'PUT /sources/{sourceId}/labels': (s, r) => withSource(s, r, (src) => setLabels(src, r, false)),
  'POST /sources/{sourceId}/labels': (s, r) => withSource(s, r, (src) => setLabels(src, r, true)),
  'GET /sources/{sourceId}/settings': (s, r) => withSource(s, r, (src) => ok({ sourceId: src.id, settings: s.schemaSettings[String(src.id)] ?? defaultSchemaSettings() })),
  'PATCH /sources/{sourceId}/settings': (s, r) =>
    withSource(s, r, (src) => {
      const body = jsonBody(r.body);
      if (isAnswer(body)) return body;
      const current = s.schemaSettings[String(src.id)] ?? defaultSchemaSettings();
      const next: Obj = { ...current };
      for (const [k, v] of Object.entries(body)) next[k] = v && typeof v === 'object' ? { ...(current[k] as Obj), ...(v as Obj) } : v;
      s.schemaSettings[String(src.id)] = next;
      return ok({ sourceId: src.id, settings: next });
    }),
  'GET /sources/{sourceId}/connected-warehouses': (s, r) =>
    withSource(s, r, (src) => list(s.warehouses.filter((w) => (s.sourceWarehouses[String(src.id)] ?? []).includes(String(w.id))), 'warehouses', r)),
  'GET /sources/{sourceId}/connected-destinations': (s, r) => withSource(s, r, (src) => list(s.destinations.filter((d) => d.sourceId === src.id), 'destinations', r)),
  'POST /sources/{sourceId}/writekey': (s, r) =>
    withSource(s, r, (src) => {
      src.writeKeys = [...(src.writeKeys as string[]), `sandbox-key-${s.nextId++}`];
      return ok({ source: src });
    }),
  'DELETE /sources/{sourceId}/writekey/{writeKey}': (s, r) =>
    withSource(s, r, (src) => {
      const keys = src.writeKeys as string[];
      if (!keys.includes(r.params.writeKey!)) return notFound('Write key', `****${r.params.writeKey!.slice(-4)}`);
      src.writeKeys = keys.filter((k) => k !== r.params.writeKey);
      return ok({ status: 'SUCCESS' });
    }),

  'GET /destinations': (s, r) => list(s.destinations, 'destinations', r),
  'GET /destinations/{destinationId}': (s, r) => {
    const d = find(s.destinations, r.params.destinationId!);
    return d ? ok({ destination: d }) : notFound('Destination', r.params.destinationId!);
  },
  'PATCH /destinations/{destinationId}': (s, r) => {
    const d = find(s.destinations, r.params.destinationId!);
    if (!d) return notFound('Destination', r.params.destinationId!);
    const body = jsonBody(r.body);
    if (isAnswer(body)) return body;
    if ('enabled' in body && typeof body.enabled !== 'boolean') return fail(422, 'validation', 'enabled must be a boolean.', { field: 'enabled' });
    for (const k of ['name', 'enabled', 'settings'] as const) if (k in body) d[k] = body[k];
    return ok({ destination: d });
  },
  'DELETE /destinations/{destinationId}': (s, r) => {
    const d = find(s.destinations, r.params.destinationId!);
    if (!d) return notFound('Destination', r.params.destinationId!);
    s.destinations.splice(s.destinations.indexOf(d), 1);
    return ok({ status: 'SUCCESS' });
  },

  'GET /warehouses': (s, r) => list(s.warehouses, 'warehouses', r),
  'GET /warehouses/{warehouseId}': (s, r) => {
    const w = find(s.warehouses, r.params.warehouseId!);
    return w ? ok({ warehouse: w }) : notFound('Warehouse', r.params.warehouseId!);
  },

  'GET /tracking-plans': (s, r) => list(r.query.get('type') ? s.trackingPlans.filter((p) => p.type === r.query.get('type')) : s.trackingPlans, 'trackingPlans', r),
  'POST /tracking-plans': (s, r) => {
    const body = jsonBody(r.body);
    if (isAnswer(body)) return body;
    if (typeof body.name !== 'string' || !body.name.trim()) return fail(422, 'validation', 'name is required.', { field: 'name' });
    const now = new Date().toISOString();
    const plan = { id: `tp_new${s.nextId++}`, name: body.name, type: body.type ?? 'LIVE', description: body.description ?? '', createdAt: now, updatedAt: now };
    s.trackingPlans.push(plan);
    s.planSources[plan.id] = [];
    s.planRules[plan.id] = [];
    return ok({ trackingPlan: plan });
  },
  'GET /tracking-plans/{trackingPlanId}': (s, r) => {
    const p = find(s.trackingPlans, r.params.trackingPlanId!);
    return p ? ok({ trackingPlan: p }) : notFound('Tracking plan', r.params.trackingPlanId!);
  },
  'GET /tracking-plans/{trackingPlanId}/rules': (s, r) => {
    const rules = s.planRules[r.params.trackingPlanId!] ?? (find(s.trackingPlans, r.params.trackingPlanId!) ? [] : undefined);
    return rules ? list(rules, 'rules', r) : notFound('Tracking plan', r.params.trackingPlanId!);
  },
  'PATCH /tracking-plans/{trackingPlanId}/rules': (s, r) => {
    if (!find(s.trackingPlans, r.params.trackingPlanId!)) return notFound('Tracking plan', r.params.trackingPlanId!);
    const body = jsonBody(r.body);
    if (isAnswer(body)) return body;
    if (!Array.isArray(body.rules)) return fail(422, 'validation', 'rules must be a list of rules.', { field: 'rules' });
    const rules = (s.planRules[r.params.trackingPlanId!] ??= []);
    const now = new Date().toISOString();
    for (const raw of body.rules as Obj[]) {
      if (!RULE_TYPES.includes(String(raw.type)) || typeof raw.jsonSchema !== 'object' || raw.jsonSchema === null) return fail(422, 'validation', 'each rule needs a type (TRACK, IDENTIFY, GROUP, PAGE, SCREEN or COMMON) and a jsonSchema object.', { field: 'rules' });
      const at = rules.findIndex((x) => x.type === raw.type && (x.key ?? '') === (raw.key ?? ''));
      // Every change is a new version: that is what lets a client recompile only what changed.
      const version = at === -1 ? 1 : Number(rules[at]!.version) + 1;
      const key = raw.newKey ?? raw.key;
      const next = { type: raw.type, ...(key ? { key } : {}), jsonSchema: raw.jsonSchema, version, createdAt: at === -1 ? now : rules[at]!.createdAt, updatedAt: now };
      if (at === -1) rules.push(next);
      else rules[at] = next;
    }
    return ok({ status: 'SUCCESS' });
  },
  'GET /tracking-plans/{trackingPlanId}/sources': (s, r) => {
    const ids = s.planSources[r.params.trackingPlanId!];
    if (!ids) return notFound('Tracking plan', r.params.trackingPlanId!);
    return list(s.sources.filter((x) => ids.includes(String(x.id))), 'sources', r);
  },
  'POST /tracking-plans/{trackingPlanId}/sources': (s, r) => {
    const ids = s.planSources[r.params.trackingPlanId!];
    if (!ids) return notFound('Tracking plan', r.params.trackingPlanId!);
    const body = jsonBody(r.body);
    if (isAnswer(body)) return body;
    const src = find(s.sources, String(body.sourceId));
    if (!src) return fail(422, 'validation', `sourceId ${String(body.sourceId)} is not a source of this workspace.`, { field: 'sourceId' });
    for (const other of Object.values(s.planSources)) if (other.includes(String(src.id))) other.splice(other.indexOf(String(src.id)), 1);
    ids.push(String(src.id));
    return ok({ status: 'SUCCESS' });
  },
};
