import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../src/inventory.js';
import { toUpperSnake } from '../../../src/registry/slug.js';
import { operationIndex } from '../../../src/segment/public-api/catalog.js';
import { decide } from '../../../src/policy/write-policy.js';

const registry = loadRegistry();
const ops = operationIndex().operations;
const tool = (slug: string) => registry.get(slug)!;

describe('Public API tools in the registry', () => {
  it('has one tool per operation, slugged SEGMENT_ + upper snake case with acronyms whole', () => {
    expect(ops).toHaveLength(201);
    for (const op of ops) {
      expect(op.slug).toBe(`SEGMENT_${toUpperSnake(op.operationId)}`);
      expect(registry.get(op.slug)?.api).toBe('public');
    }
    expect(toUpperSnake('listSchemaSettingsInSource')).toBe('LIST_SCHEMA_SETTINGS_IN_SOURCE');
    expect(toUpperSnake('getDailyPerSourceAPICallsUsage')).toBe('GET_DAILY_PER_SOURCE_API_CALLS_USAGE');
    expect(toUpperSnake('cancelReverseETLSyncForModel')).toBe('CANCEL_REVERSE_ETL_SYNC_FOR_MODEL');
    for (const slug of ['SEGMENT_LIST_SCHEMA_SETTINGS_IN_SOURCE', 'SEGMENT_GET_DAILY_PER_SOURCE_API_CALLS_USAGE', 'SEGMENT_CANCEL_REVERSE_ETL_SYNC_FOR_MODEL']) {
      expect(registry.get(slug)).toBeDefined();
    }
  });

  it('resolves the aliases agents know', () => {
    const a = registry.resolve('SEGMENT_REMOVE_SOURCE_WRITE_KEY');
    expect(a.ok && a.tool.slug).toBe('SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE');
    const b = registry.resolve('segment_get_current_user');
    expect(b.ok && b.tool.slug).toBe('SEGMENT_GET_WORKSPACE');
    expect(b.ok && b.via?.note).toMatch(/no current-user operation/);
    const c = registry.resolve('SEGMENT_IMPORT_HISTORICAL_DATA');
    expect(c.ok && c.tool.api).toBe('tracking');
  });

  it('derives access from the operation', () => {
    for (const op of ops) {
      if (op.method === 'GET') expect(op.access, op.slug).toBe('read');
      else if (op.method === 'DELETE' || /^(delete|remove)/.test(op.operationId)) expect(op.access, op.slug).toBe('destructive');
      else expect(['write', 'destructive'], op.slug).toContain(op.access);
    }
    for (const slug of ['SEGMENT_CREATE_WORKSPACE_REGULATION', 'SEGMENT_CREATE_SOURCE_REGULATION', 'SEGMENT_CREATE_CLOUD_SOURCE_REGULATION', 'SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE', 'SEGMENT_REPLACE_PERMISSIONS_FOR_USER']) {
      expect(tool(slug).access, slug).toBe('destructive');
    }
    // Found by an adversarial review (2026-12-07): replacing a source's labels with [] removed them all under --write=allow alone.
    for (const slug of ['SEGMENT_REPLACE_USERS_IN_USER_GROUP', 'SEGMENT_REPLACE_PERMISSIONS_FOR_USER_GROUP', 'SEGMENT_REPLACE_RULES_IN_TRACKING_PLAN', 'SEGMENT_REPLACE_LABELS_IN_SOURCE']) {
      expect(tool(slug).access, `${slug} drops what is not listed`).toBe('destructive');
    }
    expect(tool('SEGMENT_UPDATE_SOURCE').access).toBe('write');
    expect(tool('SEGMENT_LIST_SOURCES').access).toBe('read');
    const counts = ops.reduce<Record<string, number>>((n, o) => ({ ...n, [o.access]: (n[o.access] ?? 0) + 1 }), {});
    expect(counts.read! + counts.write! + counts.destructive!).toBe(201);
  });

  it('lets the write policy read that one field', () => {
    const cfg = { write: 'deny' as const, allowDestructive: false };
    expect(decide(tool('SEGMENT_GET_SOURCE'), cfg).action).toBe('allow');
    expect(decide(tool('SEGMENT_UPDATE_SOURCE'), cfg).action).toBe('deny');
    expect(decide(tool('SEGMENT_DELETE_SOURCE'), { write: 'allow', allowDestructive: false }).action).toBe('deny');
    expect(decide(tool('SEGMENT_DELETE_SOURCE'), { write: 'allow', allowDestructive: true }).action).toBe('allow');
  });

  it('gives every tool its own words, use cases and related tools that exist', () => {
    for (const op of ops) {
      const t = tool(op.slug);
      expect(t.description.length, op.slug).toBeGreaterThan(30);
      expect(t.useCases.length, op.slug).toBeGreaterThanOrEqual(2);
      for (const r of t.related) expect(registry.get(r), `${op.slug} -> ${r}`).toBeDefined();
    }
    expect(new Set(ops.map((o) => o.description)).size).toBe(201);
  });

  it('puts list operations in toolsets and offers all_pages only where a cursor exists', () => {
    expect(tool('SEGMENT_LIST_SOURCES').toolset).toBe('sources');
    expect(tool('SEGMENT_LIST_TRACKING_PLANS').toolset).toBe('tracking-plans');
    expect(tool('SEGMENT_LIST_SOURCES').paramNames).toContain('all_pages');
    expect(tool('SEGMENT_LIST_LABELS').paramNames).not.toContain('all_pages');
    expect(tool('SEGMENT_GET_SOURCE').paramNames).not.toContain('all_pages');
  });

  it('loads the index at start-up and the schemas only on first use', async () => {
    // How fast is measured by npm run bench (cold start); here: what is built, and when.
    const fresh = loadRegistry();
    expect(fresh.size).toBeGreaterThanOrEqual(209);
    const schema = fresh.get('SEGMENT_UPDATE_SOURCE')!.inputJsonSchema();
    expect(schema).toMatchObject({ type: 'object', required: ['sourceId'], additionalProperties: false });
    expect(fresh.get('SEGMENT_UPDATE_SOURCE')!.inputSchema()).toBe(fresh.get('SEGMENT_UPDATE_SOURCE')!.inputSchema());
  });
});
