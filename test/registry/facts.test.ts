import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { RelatedTools } from '../../src/plans/related.js';

/** Every tool carries its facts as data; related tools and plans are derived from them. */
const registry = loadRegistry();
const facts = (slug: string) => registry.get(slug)!.facts;

describe('tool facts', () => {
  it('are read from the operation, its path and its answer', () => {
    expect(facts('SEGMENT_LIST_CONNECTED_DESTINATIONS_FROM_SOURCE')).toEqual({ operation: 'list', object: 'connected destinations', scope: 'source', needs: ['sourceId'], yields: ['destinationId'] });
    expect(facts('SEGMENT_GET_AUDIENCE')).toMatchObject({ operation: 'get', object: 'audience', needs: ['spaceId', 'audienceId'], yields: [] });
    expect(facts('SEGMENT_CREATE_DESTINATION')).toMatchObject({ operation: 'create', needs: ['sourceId', 'destinationMetadataId'], yields: ['destinationId'] });
    expect(facts('SEGMENT_GET_DESTINATIONS_CATALOG').yields).toEqual(['destinationMetadataId']);
    expect(facts('SEGMENT_FORCE_EXECUTE_AUDIENCE_RUN').operation).toBe('run');
    // The API calls a destination "destinationConfigId" in delivery metrics: one id, one name.
    expect(facts('SEGMENT_GET_EGRESS_FAILED_METRICS_FROM_DELIVERY_OVERVIEW').needs).toEqual(['sourceId', 'destinationId']);
  });

  it('say where a call acts from its path when its name does not', () => {
    // /spaces/{spaceId}/audiences/{id}: an audience of a space; /labels/{key}/{value} goes through no collection's item.
    expect(facts('SEGMENT_GET_AUDIENCE').scope).toBe('space');
    expect(facts('SEGMENT_LIST_AUDIENCES').scope).toBe('space');
    expect(facts('SEGMENT_LIST_FUNCTION_VERSIONS').scope).toBe('function');
    expect(facts('SEGMENT_GET_SOURCE').scope).toBeUndefined();
    expect(facts('SEGMENT_DELETE_LABEL').scope).toBeUndefined();
  });

  it("never name the object's own word as where it acts (updateProfilesWarehouseForSpaceWarehouse: a space's profiles warehouse)", () => {
    expect(facts('SEGMENT_UPDATE_PROFILES_WAREHOUSE_FOR_SPACE_WAREHOUSE').scope).toBe('space');
    expect(facts('SEGMENT_LIST_FUNCTION_VERSIONS').scope).toBe('function');
  });

  it('take corrections from the words files', () => {
    expect(facts('SEGMENT_LIST_ROLES').yields).toEqual(['roleId']);
    expect(facts('SEGMENT_ADD_PERMISSIONS_TO_USER').needs).toEqual(['userId', 'roleId']);
  });

  it('are declared by every tracking tool', () => {
    for (const t of registry.tools.filter((t) => t.api === 'tracking')) {
      expect(t.facts.operation, t.slug).toBe('send');
      expect(t.facts.object, t.slug).not.toBe('');
      expect(t.facts.needs, t.slug).toEqual([]);
    }
  });

  it('leave no needed id without a tool that yields it', () => {
    const yielded = new Set(registry.tools.flatMap((t) => t.facts.yields));
    const orphans = registry.tools.flatMap((t) => t.facts.needs.filter((id) => !yielded.has(id)).map((id) => `${t.slug} needs ${id}`));
    expect(orphans).toEqual([]);
  });

  it('give related tools: the tool that yields each id a tool needs', () => {
    const related = new RelatedTools(registry.tools);
    expect(related.for(['SEGMENT_DELETE_DESTINATION'])).toContain('SEGMENT_LIST_DESTINATIONS');
    expect(related.for(['SEGMENT_GET_REVERSE_ETL_MODEL'])).toContain('SEGMENT_LIST_REVERSE_ETL_MODELS');
    expect(related.for(['SEGMENT_LIST_AUDIENCES'])).toContain('SEGMENT_LIST_SPACES');
    expect(related.producerOf('sourceId')?.slug).toBe('SEGMENT_LIST_SOURCES');
  });
});
