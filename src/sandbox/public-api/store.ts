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
  /** sourceId -> schema settings. */
  schemaSettings: Record<string, Obj>;
  nextId: number;
}

const meta = (schema: string, fields: Obj) => ({ ...(sample(schemaNamed(schema), 'metadata') as Obj), ...fields });

export function source(id: string, slug: string, name: string, writeKeys: string[], workspaceId: string): Obj {
  return {
    id,
    slug,
    name,
    workspaceId,
    enabled: true,
    writeKeys,
    labels: [],
    settings: {},
    metadata: meta('SourceMetadataV1', { id: 'IqDTy1TpoU', slug: 'javascript', name: 'Javascript', categories: ['Website'], isCloudEventSource: false }),
  };
}

export function seedStore(writeKeys: string[]): PublicApiStore {
  const ws = { id: 'ws_sandbox', slug: 'sandbox', name: 'Sandbox Workspace' };
  const warehouse = (id: string, name: string, slug: string) => ({
    id,
    workspaceId: ws.id,
    enabled: true,
    settings: { name, database: 'analytics' },
    metadata: meta('WarehouseMetadataV1', { id: `meta_${slug}`, slug, name }),
  });
  const destination = (id: string, name: string, sourceId: string, slug: string) => ({
    id,
    name,
    enabled: true,
    sourceId,
    settings: { apiKey: '••••••' },
    metadata: meta('DestinationMetadataV1', { id: `meta_${slug}`, slug, name }),
  });
  return {
    workspace: ws,
    sources: [
      source('src_web', 'website', 'Website', writeKeys, ws.id),
      source('src_ios', 'ios_app', 'iOS App', ['sandbox-ios-key'], ws.id),
      source('src_server', 'backend', 'Backend', ['sandbox-server-key'], ws.id),
    ],
    destinations: [
      destination('dst_amplitude', 'Amplitude', 'src_web', 'amplitude'),
      destination('dst_webhook', 'Webhooks', 'src_server', 'webhooks'),
    ],
    warehouses: [warehouse('wh_snowflake', 'Snowflake', 'snowflake'), warehouse('wh_bigquery', 'BigQuery', 'bigquery')],
    trackingPlans: [{ id: 'tp_main', name: 'Main plan', slug: 'main-plan', type: 'LIVE', description: 'Events of the website', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' }],
    sourceWarehouses: { src_web: ['wh_snowflake', 'wh_bigquery'], src_server: ['wh_snowflake'] },
    planSources: { tp_main: ['src_web'] },
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
