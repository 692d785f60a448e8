import { sample, schemaNamed } from './description.js';

/**
 * The sandbox workspace: a few sources, destinations, warehouses and a tracking plan, linked the
 * way a real workspace is, so flows (list -> get -> update) behave. Catalog metadata is built from
 * the description's own schemas, so every object has the fields the API promises.
 */
export type Obj = Record<string, unknown>;

export interface PublicApiStore {
  workspace: { id: string; slug: string; name: string };
  sources: Obj[];
  destinations: Obj[];
  warehouses: Obj[];
  trackingPlans: Obj[];
  /** sourceId -> warehouse ids it loads into. */
  sourceWarehouses: Record<string, string[]>;
  /** trackingPlanId -> source ids checked against it. */
  planSources: Record<string, string[]>;
  /** trackingPlanId -> its rules (type, key, jsonSchema, version). */
  planRules: Record<string, Obj[]>;
  /** sourceId -> schema settings. */
  schemaSettings: Record<string, Obj>;
  nextId: number;
}

const meta = (schema: string, fields: Obj) => ({ ...(sample(schemaNamed(schema), 'metadata') as Obj), ...fields });

interface SourceKind {
  slug: string;
  name: string;
  category: string;
  cloud?: boolean;
}

const KINDS: Record<string, SourceKind> = {
  web: { slug: 'javascript', name: 'Javascript', category: 'Website' },
  ios: { slug: 'ios', name: 'iOS', category: 'Mobile' },
  android: { slug: 'android', name: 'Android', category: 'Mobile' },
  server: { slug: 'node-js', name: 'Node.js', category: 'Server' },
  warehouse: { slug: 'snowflake-reverse-etl', name: 'Snowflake (Reverse ETL)', category: 'Warehouse', cloud: true },
};

export function source(id: string, slug: string, name: string, writeKeys: string[], workspaceId: string, kind = 'web', labels: Obj[] = []): Obj {
  const k = KINDS[kind] ?? KINDS.web!;
  return {
    id,
    slug,
    name,
    workspaceId,
    enabled: true,
    writeKeys,
    labels,
    settings: {},
    metadata: meta('SourceMetadataV1', { id: kind === 'web' ? 'IqDTy1TpoU' : `meta_${k.slug}`, slug: k.slug, name: k.name, categories: [k.category], isCloudEventSource: !!k.cloud }),
  };
}

const label = (key: string, value: string) => ({ key, value });
const PROD = label('environment', 'prod');

/**
 * A workspace like a real one: web, iOS, Android and server sources plus a Reverse ETL source
 * from the warehouse; destinations with their settings (secrets masked, two disabled); two
 * warehouses. Event volumes and delivery metrics for these ids come from traffic.ts.
 */
export function seedStore(writeKeys: string[]): PublicApiStore {
  const ws = { id: 'ws_sandbox', slug: 'sandbox', name: 'Sandbox Workspace' };
  const warehouse = (id: string, name: string, slug: string, enabled: boolean, settings: Obj) => ({
    id,
    workspaceId: ws.id,
    enabled,
    settings: { name, ...settings },
    metadata: meta('WarehouseMetadataV1', { id: `meta_${slug}`, slug, name }),
  });
  const destination = (id: string, name: string, sourceId: string, slug: string, enabled: boolean, settings: Obj) => ({
    id,
    name,
    enabled,
    sourceId,
    settings,
    metadata: meta('DestinationMetadataV1', { id: `meta_${slug}`, slug, name }),
  });
  const masked = '••••••';
  return {
    workspace: ws,
    sources: [
      source('src_web', 'website', 'Website', writeKeys, ws.id, 'web', [PROD, label('team', 'growth')]),
      source('src_ios', 'ios_app', 'iOS App', ['sandbox-ios-key'], ws.id, 'ios', [PROD, label('team', 'mobile')]),
      source('src_server', 'backend', 'Backend', ['sandbox-server-key'], ws.id, 'server', [PROD, label('team', 'platform')]),
      source('src_android', 'android_app', 'Android App', ['sandbox-android-key'], ws.id, 'android', [PROD, label('team', 'mobile')]),
      source('src_warehouse', 'snowflake_accounts', 'Snowflake accounts (Reverse ETL)', [], ws.id, 'warehouse', [PROD, label('team', 'data')]),
    ],
    destinations: [
      destination('dst_amplitude', 'Amplitude', 'src_web', 'amplitude', true, { apiKey: masked, trackAllPages: true, trackReferrer: true, useBatchApi: true }),
      destination('dst_webhook', 'Webhooks', 'src_server', 'webhooks', true, { webhookUrl: 'https://hooks.example.com/segment', sharedSecret: masked, retries: 3 }),
      destination('dst_ga4', 'Google Analytics 4', 'src_web', 'google-analytics-4-web', false, { measurementId: 'G-SANDBOX42', pageView: true, allowAdPersonalization: false }),
      destination('dst_mixpanel', 'Mixpanel', 'src_ios', 'mixpanel', true, { token: masked, apiSecret: masked, region: 'US', trackCategorizedPages: false }),
      destination('dst_braze', 'Braze', 'src_android', 'braze', true, { apiKey: masked, appIdentifier: masked, restApiEndpoint: 'https://rest.iad-01.braze.com', logPurchaseWhenRevenuePresent: true }),
      destination('dst_slack', 'Slack', 'src_server', 'slack', false, { webhookUrl: masked, channel: '#sales-signups', whitelistedEvents: ['Order Completed'] }),
    ],
    warehouses: [
      warehouse('wh_snowflake', 'Snowflake', 'snowflake', true, { database: 'ANALYTICS', warehouse: 'SEGMENT_WH', username: 'SEGMENT_USER', password: masked }),
      warehouse('wh_bigquery', 'BigQuery', 'bigquery', true, { project: 'sandbox-analytics', dataset: 'segment', location: 'US', credentials: masked }),
    ],
    trackingPlans: [{ id: 'tp_main', name: 'Main plan', slug: 'main-plan', type: 'LIVE', description: 'Events of the website', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' }],
    sourceWarehouses: { src_web: ['wh_snowflake', 'wh_bigquery'], src_server: ['wh_snowflake'], src_ios: ['wh_snowflake'], src_android: ['wh_snowflake'] },
    planSources: { tp_main: ['src_web'] },
    planRules: { tp_main: sandboxRules() },
    schemaSettings: {},
    nextId: 1,
  };
}

export function defaultSchemaSettings(): Obj {
  return {
    track: { allowUnplannedEvents: true, allowUnplannedEventProperties: true, allowEventOnViolations: true, allowPropertiesOnViolations: true, commonEventOnViolations: 'ALLOW' },
    identify: { allowUnplannedTraits: true, allowTraitsOnViolations: true, commonEventOnViolations: 'ALLOW' },
    group: { allowUnplannedTraits: true, allowTraitsOnViolations: true, commonEventOnViolations: 'ALLOW' },
  };
}

/** A message schema in Segment's form: the rule describes the whole message, `properties` or `traits` inside. */
const messageSchema = (part: 'properties' | 'traits', shape: Obj, required: string[] = [], extra: Obj = {}) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { [part]: { type: 'object', properties: shape, ...(required.length ? { required } : {}), ...extra } },
  ...(required.length ? { required: [part] } : {}),
});

const rule = (type: string, key: string | undefined, jsonSchema: Obj) => ({
  type,
  ...(key ? { key } : {}),
  jsonSchema,
  version: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

/**
 * The rules of the sandbox's "Main plan" (connected to the Website source, whose write key the
 * sandbox hands out), one of each type, so the router's tracking-plan checks run without an account.
 */
export function sandboxRules(): Obj[] {
  return [
    rule('TRACK', 'Order Completed', messageSchema('properties', {
      order_id: { type: 'string' },
      revenue: { type: 'number' },
      currency: { type: 'string', enum: ['USD', 'EUR', 'GBP'] },
      coupon: { type: 'string' },
    }, ['order_id', 'revenue'], { additionalProperties: false })),
    rule('TRACK', 'Signed Up', messageSchema('properties', { plan: { type: 'string', enum: ['free', 'pro', 'enterprise'] }, referrer: { type: 'string' } }, ['plan'])),
    rule('TRACK', 'Product Viewed', messageSchema('properties', { product_id: { type: 'string' }, price: { type: 'number' } }, ['product_id'])),
    rule('IDENTIFY', undefined, messageSchema('traits', { email: { type: 'string', format: 'email' }, plan: { type: 'string', enum: ['free', 'pro', 'enterprise'] } })),
    rule('GROUP', undefined, messageSchema('traits', { name: { type: 'string' }, employees: { type: 'integer', minimum: 0 } }, ['name'])),
    rule('PAGE', undefined, messageSchema('properties', { path: { type: 'string' }, url: { type: 'string', format: 'uri' } })),
    rule('SCREEN', undefined, { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] }),
    rule('COMMON', undefined, {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { context: { type: 'object', properties: { locale: { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$' } } } },
    }),
  ];
}
