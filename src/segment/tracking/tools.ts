import { z } from 'zod';
import type { PreparedCall, SendContext, SendOutcome, ToolDefinition, ToolFacts } from '../../registry/types.js';
import { prepareBatch, prepareSingle, sendTracking } from './delivery.js';
import * as s from './schemas.js';
import { validateEventsTool } from './validate-tool.js';

/**
 * The Tracking API tools. Each entry is the single source of truth for that tool: its words drive
 * search, its schema drives validation, its access drives policy and annotations.
 */

const ACCEPTED = '200 means accepted, not delivered: an unknown write key or a malformed event is dropped after a 200.';
const IDENTITY = 'Needs userId or anonymousId (strings); without one the call is refused before sending.';
const SIZE = 'A message over 32 KB is refused by itself; keep large blobs out of properties and traits.';
const TIMESTAMP = 'timestamp must be ISO-8601 with a zone (2026-01-31T12:00:00Z); omit it for "now".';
const REGION = 'An EU workspace must use region eu: sent to the US host, its events are silently lost.';

interface TrackingSpec {
  slug: string;
  title: string;
  description: string;
  schema: z.ZodObject;
  tags: string[];
  useCases: string[];
  pitfalls: string[];
  related: string[];
  /** Tracking calls need no Segment ids (the user and group ids are the caller's own) and yield none. */
  facts: Pick<ToolFacts, 'operation' | 'object'>;
  prepare: ToolDefinition['prepare'];
  summarize: NonNullable<ToolDefinition['summarize']>;
  measuresOwnSize?: boolean;
  listsReadByTool?: readonly string[];
  example?: Record<string, unknown>;
}

function trackingTool(spec: TrackingSpec): ToolDefinition {
  let json: Record<string, unknown> | undefined;
  return {
    slug: spec.slug,
    title: spec.title,
    description: spec.description,
    api: 'tracking',
    toolset: 'tracking',
    access: 'write',
    tags: spec.tags,
    useCases: spec.useCases,
    pitfalls: spec.pitfalls,
    related: spec.related,
    facts: { ...spec.facts, needs: [], yields: [] },
    paramNames: Object.keys(spec.schema.shape),
    inputSchema: () => spec.schema,
    inputJsonSchema: () => (json ??= z.toJSONSchema(spec.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    summarize: spec.summarize,
    prepare: spec.prepare,
    preparesGiven: true,
    measuresOwnSize: spec.measuresOwnSize,
    listsReadByTool: spec.listsReadByTool,
    ...(spec.example ? { example: spec.example } : {}),
    send: (call: PreparedCall, ctx: SendContext): Promise<SendOutcome> => sendTracking(call, ctx),
  };
}

/**
 * A value from the call as the confirmation question shows it: quoted and escaped, so a userId holding
 * a line break and "this is a dry run" reads as the value it is, never as the question's own words.
 */
const quoted = (v: unknown): string => {
  const text = JSON.stringify(String(v));
  return text.length > 82 ? `${text.slice(0, 80)}…"` : text;
};
const who = (a: Record<string, unknown>) => quoted(a.userId ?? a.anonymousId);
const single = (type: s.MessageType): ToolDefinition['prepare'] => (args, ctx) => prepareSingle(type, args, ctx);

export const trackingTools: ToolDefinition[] = [
  trackingTool({
    slug: 'SEGMENT_IDENTIFY',
    title: 'Identify a user',
    description: 'Tie a user to their traits (email, name, plan, ...) in Segment. Send it at sign-up, login and whenever a trait changes; traits merge into the profile.',
    schema: s.identifySchema,
    tags: ['tracking', 'identify', 'user', 'traits', 'profile', 'attributes', 'customer', 'contact'],
    useCases: ['identify a user', 'set user traits', 'update a user profile with email and name', 'record who the user is after login', 'save customer attributes', 'upsert a contact', 'tell segment that user 42 is on the pro plan', 'attach an email and phone number to a known user', 'change the name trait of customer u_7', 'identify a visitor who just logged in with their user id and traits', 'store first name, company and country on a person', 'mark a user as a beta tester', 'a user prefers a setting, store it on their profile', 'update an attribute we keep for a customer', 'let segment know something about a user'],
    pitfalls: [IDENTITY, 'Traits merge: a trait set to null is removed; traits you leave out are kept.', 'Call SEGMENT_ALIAS before the first identify only when a destination needs an explicit merge.', ACCEPTED],
    related: ['SEGMENT_ALIAS', 'SEGMENT_TRACK', 'SEGMENT_GROUP'],
    facts: { operation: 'send', object: 'identify call: user traits' },
    summarize: (a) => `identify ${who(a)} with traits ${Object.keys((a.traits as object) ?? {}).map(quoted).join(', ') || '(none)'}`,
    prepare: single('identify'),
  }),
  trackingTool({
    slug: 'SEGMENT_TRACK',
    title: 'Track an event',
    description: 'Record something a user did, as an event name ("Order Completed") with properties. The everyday call for product analytics and conversions.',
    schema: s.trackSchema,
    tags: ['tracking', 'track', 'event', 'action', 'conversion', 'custom event', 'analytics'],
    useCases: ['track an event', 'record that a user completed an order', 'log a user action', 'send a custom event with properties', 'record a purchase or signup event', 'fire a conversion event', 'a user clicked the upgrade button', 'emit Product Added with price and sku', 'capture that someone started a trial', 'report a video played event for an anonymous id', 'note that customer u_9 cancelled their plan', 'send an analytics event from our backend', 'a player reached a new level in the game, send it to segment', 'report to segment something a customer just did', 'a shopper added an item to their basket', 'how long someone listened to an episode, as an event', 'a user tapped a button in the mobile app'],
    pitfalls: [IDENTITY, 'event names read best as "Object Action" ("Order Completed"); properties in snake_case.', SIZE, TIMESTAMP, ACCEPTED],
    related: ['SEGMENT_IDENTIFY', 'SEGMENT_BATCH'],
    facts: { operation: 'send', object: 'track call: event' },
    summarize: (a) => `send the event ${quoted(a.event)} for ${who(a)}`,
    prepare: single('track'),
  }),
  trackingTool({
    slug: 'SEGMENT_PAGE',
    title: 'Record a page view',
    description: 'Record that someone viewed a web page (name, category, url, path, referrer). For mobile app screens use SEGMENT_SCREEN.',
    schema: s.pageSchema,
    tags: ['tracking', 'page', 'pageview', 'web', 'website', 'url', 'visit'],
    useCases: ['record a page view', 'track a website page visit', 'log that a visitor opened the pricing page', 'send a pageview for a web page', 'someone landed on the homepage from a google ad', 'record a visit to /checkout with its referrer', 'track which url an anonymous visitor browsed', 'log a page hit on the docs site', 'someone browsed to a section of our website', 'a visitor is reading a page of the marketing site', 'someone read an article on our website'],
    pitfalls: [IDENTITY, 'Web pages only; app screens go to SEGMENT_SCREEN.', 'Put url, path, title and referrer in properties.', ACCEPTED],
    related: ['SEGMENT_SCREEN', 'SEGMENT_TRACK'],
    facts: { operation: 'send', object: 'page call: page view' },
    summarize: (a) => `record a page view${a.name ? ` of ${quoted(a.name)}` : ''} for ${who(a)}`,
    prepare: single('page'),
  }),
  trackingTool({
    slug: 'SEGMENT_SCREEN',
    title: 'Record a screen view',
    description: 'Record that someone viewed a screen in a mobile or TV app. For web pages use SEGMENT_PAGE.',
    schema: s.screenSchema,
    tags: ['tracking', 'screen', 'screen view', 'view', 'mobile app'],
    useCases: ['record a screen view in a mobile app', 'track that a user opened an app screen', 'log an ios or android screen', 'a user navigated to the cart screen on iphone', 'send a screen event for the settings view', 'record which tv app screen was shown', 'track mobile navigation between screens', 'record that the onboarding screen was shown in the app'],
    pitfalls: [IDENTITY, 'App screens only; web pages go to SEGMENT_PAGE.', ACCEPTED],
    related: ['SEGMENT_PAGE', 'SEGMENT_TRACK'],
    facts: { operation: 'send', object: 'screen call: screen view' },
    summarize: (a) => `record a screen view${a.name ? ` of ${quoted(a.name)}` : ''} for ${who(a)}`,
    prepare: single('screen'),
  }),
  trackingTool({
    slug: 'SEGMENT_GROUP',
    title: 'Group a user',
    description: 'Associate a user with a company, account or organisation (groupId) and record that group\'s traits. For B2B account analytics; not IAM user groups.',
    schema: s.groupSchema,
    tags: ['tracking', 'group', 'company', 'account', 'organization', 'b2b', 'tenant'],
    useCases: ['associate a user with a company', 'add a user to an account or organization', 'set company traits', 'link a user to a team or workspace in my product', 'user 5 works at acme inc', 'record the industry and employee count of a customer account', 'put this person in the org with group id org_1', 'update the plan of a b2b account', 'tie a user to their tenant', 'which company a person works for, with its headcount', 'record the employer of a user'],
    pitfalls: [IDENTITY, 'groupId is required: the id of the company/account.', 'This is the Tracking API group call, not the IAM user groups of the Public API.', ACCEPTED],
    related: ['SEGMENT_IDENTIFY'],
    facts: { operation: 'send', object: 'group call: company account' },
    summarize: (a) => `put ${who(a)} in the group ${quoted(a.groupId)}`,
    prepare: single('group'),
  }),
  trackingTool({
    slug: 'SEGMENT_ALIAS',
    title: 'Alias two user ids',
    description: 'Link an old id (previousId, usually the anonymous id) to a new userId so both histories become one user. Used at sign-up by destinations that need an explicit merge.',
    schema: s.aliasSchema,
    tags: ['tracking', 'alias', 'merge', 'identity', 'link', 'identity resolution'],
    useCases: ['merge two user identities', 'link an anonymous visitor to a new account', 'alias the anonymous id to the user id at signup', 'connect an old user id to a new one', 'combine the pre login history with the registered user', 'the user changed their id, join old and new', 'stitch a device id to a customer id', 'treat two ids as the same person', 'a guest checked out and then created an account, connect the two ids'],
    pitfalls: ['previousId and userId are both required.', 'Alias is one-way and cannot be undone: check the ids first.', 'Send it before the first identify for the new userId.', ACCEPTED],
    related: ['SEGMENT_IDENTIFY', 'SEGMENT_TRACK'],
    facts: { operation: 'send', object: 'alias call: user ids' },
    summarize: (a) => `permanently link ${quoted(a.previousId)} to ${quoted(a.userId)} (cannot be undone)`,
    prepare: single('alias'),
  }),
  trackingTool({
    slug: 'SEGMENT_BATCH',
    title: 'Send many messages at once',
    description: `Send many identify/track/page/screen/group/alias messages in one call. ${s.BATCH_LIMITS_TEXT} The router checks each message, packs requests of at most 500 KB and 2,500 messages, retries safely and reports each message that was not accepted by index and messageId.`,
    schema: s.batchSchema,
    tags: ['tracking', 'batch', 'bulk', 'import', 'many', 'multiple messages'],
    useCases: ['send many events at once', 'bulk upload events', 'import a list of users and events', 'send a batch of identify and track calls', 'backfill events', 'push a thousand track calls in one request', 'upload a csv of customers as identify calls', 'send queued offline events together', 'mass send page and track messages', 'flush a buffer of analytics calls'],
    pitfalls: ['Each item needs "type" and the fields of that call; a bad item is reported by index and the rest still go.', SIZE, 'For past events set each item\'s timestamp (or use SEGMENT_IMPORT_HISTORICAL_DATA, which requires it).', REGION, ACCEPTED],
    related: ['SEGMENT_IMPORT_HISTORICAL_DATA', 'SEGMENT_TRACK', 'SEGMENT_IDENTIFY'],
    facts: { operation: 'send', object: 'batch of messages' },
    summarize: (a) => `send ${(a.batch as unknown[]).length} messages`,
    prepare: (args, ctx) => prepareBatch(args, ctx),
    measuresOwnSize: true,
    listsReadByTool: ['batch'],
    example: { batch: [{ type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 9.99 } }] },
  }),
  trackingTool({
    slug: 'SEGMENT_IMPORT_HISTORICAL_DATA',
    title: 'Import historical data',
    description: `Backfill past events and users: a SEGMENT_BATCH in which every message must carry its original timestamp, so it lands at the right time in every destination. ${s.BATCH_LIMITS_TEXT}`,
    schema: s.importSchema,
    tags: ['tracking', 'batch', 'import', 'historical', 'backfill', 'migration', 'past events'],
    useCases: ['import historical data', 'backfill old events with their original timestamps', 'migrate past analytics data into segment', 'load last year\'s events', 'replay orders from our old system with their real dates', 'move months of mixpanel history over', 'bring in events that happened before we installed segment', 'import past purchases dated in 2021'],
    pitfalls: ['Every message needs an ISO-8601 timestamp with zone: the original time.', 'Some destinations ignore or reject old timestamps; check each one\'s limits.', SIZE, ACCEPTED],
    related: ['SEGMENT_BATCH'],
    facts: { operation: 'send', object: 'historical messages' },
    summarize: (a) => `send ${(a.batch as unknown[]).length} messages`,
    prepare: (args, ctx) => prepareBatch(args, ctx, 'import'),
    measuresOwnSize: true,
    example: { batch: [{ type: 'track', userId: 'u1', event: 'Order Completed', timestamp: '2025-06-01T12:00:00Z', properties: { revenue: 9.99 } }] },
  }),
  validateEventsTool,
];
