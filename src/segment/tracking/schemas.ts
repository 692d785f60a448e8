import { z } from 'zod';
import { compileFastCheck } from './fast-check.js';
import { countText } from '../../util/count-text.js';
import { explainIssues } from '../../registry/arguments.js';

/**
 * Zod schemas for the Tracking API calls, to Segment's spec (docs/segment-facts.md). Objects are strict at the
 * top level so a misspelt field (`user_id`, `properties` on identify) is an error, not a silent drop;
 * `context` and its parts stay open because Segment accepts any extra keys there.
 */

/** A calendar date, February 29th in leap years only. */
const DATE = String.raw`(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8])))`;
/** Hours and minutes; seconds and their fraction optional. */
const TIME = String.raw`(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?`;
/** Z, or an offset with its minutes, colon or not (an hour alone is ISO-8601 too, but JavaScript's Date cannot read it). */
const ZONE = String.raw`(?:[Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d)`;

/**
 * ISO-8601 with a zone, as Segment takes `timestamp` and `sentAt`: a time without one is read differently
 * by every destination. The forms other systems write (+0100, no seconds, lower-case t and z) pass: an
 * import from them is not refused line by line.
 */
export const isoTimestamp = z
  .stringFormat('iso-timestamp', new RegExp(`^${DATE}[Tt]${TIME}${ZONE}$`), { error: 'must be an ISO-8601 date-time with a zone, e.g. 2026-01-31T12:00:00Z or 2026-01-31T13:00:00+01:00' })
  // Said to clients as the JSON Schema format they know; the pattern says what passes.
  .meta({ format: 'date-time', description: 'ISO-8601 date-time with a zone, e.g. 2026-01-31T12:00:00Z or 2026-01-31T13:00:00+01:00.' });

const str = z.string();
const open = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const context = open({
  active: z.boolean().optional(),
  app: open({ name: str.optional(), version: str.optional(), build: str.optional(), namespace: str.optional() }).optional(),
  campaign: open({ name: str.optional(), source: str.optional(), medium: str.optional(), term: str.optional(), content: str.optional() }).optional(),
  device: open({ id: str.optional(), advertisingId: str.optional(), adTrackingEnabled: z.boolean().optional(), manufacturer: str.optional(), model: str.optional(), name: str.optional(), type: str.optional(), token: str.optional() }).optional(),
  ip: str.optional(),
  library: open({ name: str.optional(), version: str.optional() }).optional(),
  locale: str.optional(),
  location: open({ city: str.optional(), country: str.optional(), latitude: z.number().optional(), longitude: z.number().optional(), region: str.optional(), speed: z.number().optional() }).optional(),
  network: open({ bluetooth: z.boolean().optional(), carrier: str.optional(), cellular: z.boolean().optional(), wifi: z.boolean().optional() }).optional(),
  os: open({ name: str.optional(), version: str.optional() }).optional(),
  page: open({ path: str.optional(), referrer: str.optional(), search: str.optional(), title: str.optional(), url: str.optional() }).optional(),
  referrer: open({ id: str.optional(), type: str.optional() }).optional(),
  screen: open({ width: z.number().optional(), height: z.number().optional(), density: z.number().optional() }).optional(),
  timezone: str.optional(),
  groupId: str.optional(),
  traits: z.record(z.string(), z.unknown()).optional(),
  userAgent: str.optional(),
  direct: z.boolean().optional(),
})
  .describe('Context of the call: app, campaign, device, ip, library, locale, location, network, os, page, referrer, screen, timezone, groupId, traits, userAgent; direct=true records the caller IP.');

const integrations = z
  .record(z.string(), z.union([z.boolean(), z.record(z.string(), z.unknown())]))
  .describe('Per-destination switches, e.g. {"All": false, "Mixpanel": true}. Names are case-sensitive.');

const identity = {
  userId: str.min(1).optional().describe('Your id for the user. This or anonymousId is required.'),
  anonymousId: str.min(1).optional().describe('Id for a visitor not yet known. This or userId is required.'),
};

const common = {
  context: context.optional(),
  integrations: integrations.optional(),
  timestamp: isoTimestamp.optional().describe('When it happened (ISO-8601 with zone). Set a past time for historical imports; default now.'),
  messageId: str.min(1).max(100).optional().describe('Unique id (max 100 chars). Segment drops repeats for about 24 h; set one to make retries safe. Assigned when absent.'),
  sentAt: isoTimestamp.optional().describe('When the message was sent (ISO-8601 with zone); Segment corrects clock skew with it. Leave it out: the request carries its send time.'),
};

const traits = z.record(z.string(), z.unknown()).describe('Facts about the user or group, snake_case keys; they merge into the profile, null removes one.');
const properties = z.record(z.string(), z.unknown()).describe('Facts about the event, snake_case keys.');

/** Every call but alias needs someone to attribute it to. Checked even when other fields fail, so one answer names every bad field. */
const hasIdentity = (v: unknown) => {
  const o = v as { userId?: unknown; anonymousId?: unknown } | undefined;
  return !!o && ((typeof o.userId === 'string' && o.userId !== '') || (typeof o.anonymousId === 'string' && o.anonymousId !== ''));
};
const IDENTITY_MESSAGE = 'userId or anonymousId is required (a non-empty string).';
// A fresh params object per schema: zod takes `message` out of the one it is given.
const identityRequired = () => ({ message: IDENTITY_MESSAGE, path: ['userId'], when: () => true });

export const identifyShape = { ...identity, traits: traits.optional(), ...common };
export const trackShape = { ...identity, event: str.min(1).describe('Event name, "Object Action" style, e.g. "Order Completed".'), properties: properties.optional(), ...common };
export const pageShape = { ...identity, name: str.optional().describe('Page name, e.g. "Pricing".'), category: str.optional().describe('Page category, e.g. "Docs".'), properties: properties.optional().describe('Page facts: url, path, title, referrer, search, and your own.'), ...common };
export const screenShape = { ...identity, name: str.optional().describe('Screen name, e.g. "Checkout".'), category: str.optional(), properties: properties.optional(), ...common };
export const groupShape = { ...identity, groupId: str.min(1).describe('Id of the company, account or organisation.'), traits: traits.optional().describe('Facts about the group: name, industry, employees, plan...'), ...common };
export const aliasShape = {
  previousId: str.min(1).describe('The old id (usually the anonymousId) to link to userId.'),
  userId: str.min(1).describe('The new, known user id.'),
  anonymousId: identity.anonymousId,
  ...common,
};

const withIdentity = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).refine(hasIdentity, identityRequired());

export const identifySchema = withIdentity(identifyShape);
export const trackSchema = withIdentity(trackShape);
export const pageSchema = withIdentity(pageShape);
export const screenSchema = withIdentity(screenShape);
export const groupSchema = withIdentity(groupShape);
export const aliasSchema = z.strictObject(aliasShape);

export type MessageType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';
export const MESSAGE_TYPES: MessageType[] = ['identify', 'track', 'page', 'screen', 'group', 'alias'];

const batchItemShapes: Record<MessageType, z.ZodRawShape> = {
  identify: identifyShape,
  track: trackShape,
  page: pageShape,
  screen: screenShape,
  group: groupShape,
  alias: aliasShape,
};

/**
 * A batch item is validated by itself: one bad item is reported by index and the rest still go.
 * The batch schema therefore only checks the envelope; `validateBatchItem` checks each message.
 */
export const batchItemSchema = z.discriminatedUnion(
  'type',
  MESSAGE_TYPES.map((t) => z.strictObject({ type: z.literal(t), ...batchItemShapes[t] })) as unknown as [
    z.ZodObject,
    ...z.ZodObject[],
  ],
);

/** The fields a message of its type may have, for the message itself (what a misspelt field is compared with). */
function messageFieldsAt(path: readonly PropertyKey[], item: unknown): readonly string[] | undefined {
  const type = (item as { type?: unknown } | null)?.type;
  if (path.length || typeof type !== 'string' || !Object.hasOwn(batchItemShapes, type)) return undefined;
  return ['type', ...Object.keys(batchItemShapes[type as MessageType])];
}

/**
 * Fields of a message as Segment stores it, which its JSON copies of what it received carry and the
 * router does not send (some Segment sets on receipt; `writeKey` would name the old source). A file
 * of such records is a common import: these are named as what to remove, not as misspellings.
 */
export const STORED_FIELDS: ReadonlySet<string> = new Set(['receivedAt', 'originalTimestamp', 'channel', 'version', 'projectId', 'writeKey', '_metadata']);

/** The message's own unknown fields with the stored ones taken out into an issue of their own. */
function storedFieldsApart(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] => {
    if (issue.code !== 'unrecognized_keys' || issue.path.length) return [issue];
    const stored = issue.keys.filter((k) => STORED_FIELDS.has(k));
    if (!stored.length) return [issue];
    const rest = issue.keys.filter((k) => !STORED_FIELDS.has(k));
    const [one, it] = stored.length === 1 ? ['is a field', 'it'] : ['are fields', 'them'];
    const message = `${stored.map((k) => JSON.stringify(k)).join(', ')} ${one} of a message as Segment stores it (its archives and exports carry ${it}); the router does not send ${it}: remove ${it}`;
    return [...(rest.length ? [{ ...issue, keys: rest }] : []), { code: 'custom', path: [], message, input: undefined }];
  });
}

export type BatchItemCheck = { success: true; data: Record<string, unknown> } | { success: false; issues: z.core.$ZodIssue[] };

/**
 * Says yes without zod (and its copy of the message) for messages the schema accepts; zod decides the
 * rest. Compiled on the first message, not at start-up (some 9 ms).
 */
let batchItemFast: ((value: unknown) => boolean) | undefined;

/**
 * Checks one batch message by itself (issue paths are relative to the message). `data` is the message
 * itself when the fast check accepts it: valid messages are read as given anyway.
 */
export function validateBatchItem(item: unknown): BatchItemCheck {
  if ((batchItemFast ??= compileFastCheck(batchItemSchema))(item)) {
    const v = item as Record<string, unknown>;
    if (v.type === 'alias' || hasIdentity(v)) return { success: true, data: v };
  }
  const parsed = batchItemSchema.safeParse(item);
  if (!parsed.success) return { success: false, issues: explainIssues(storedFieldsApart(parsed.error.issues), item, messageFieldsAt) };
  const v = parsed.data as Record<string, unknown> & { type: MessageType };
  if (v.type !== 'alias' && !hasIdentity(v)) {
    return { success: false, issues: [{ code: 'custom', path: ['userId'], message: IDENTITY_MESSAGE, input: item }] };
  }
  return { success: true, data: v };
}

/**
 * What one SEGMENT_BATCH call carries, in items and bytes, stated together in the tool description.
 * Bytes are the messages' JSON as given (measured while each is serialised once; over stdio, the
 * bytes the client wrote, its spaces included), against the operator's per-call limit, 5,000,000 by default. The item cap lets a call of typical events
 * (150-200 bytes each) at the cap fit the byte limit: 25,000 x 200 bytes = 5,000,000.
 */
export const MAX_BATCH_ITEMS_PER_CALL = 25_000;
export const BATCH_LIMITS_TEXT = `One call carries at most ${countText(MAX_BATCH_ITEMS_PER_CALL)} messages and 5,000,000 bytes of messages' JSON (${countText(MAX_BATCH_ITEMS_PER_CALL)} messages of up to 200 bytes each, written without spaces, fit both); for more, make several calls.`;

const batchEnvelope = {
  batch: z
    .array(z.unknown())
    .min(1)
    .max(MAX_BATCH_ITEMS_PER_CALL, { error: `at most ${countText(MAX_BATCH_ITEMS_PER_CALL)} messages a call: split the batch into several calls of at most ${countText(MAX_BATCH_ITEMS_PER_CALL)} (batch[0..${MAX_BATCH_ITEMS_PER_CALL - 1}], then the rest); nothing was sent` })
    .describe('Messages, each with "type" (identify|track|page|screen|group|alias) and that call\'s fields. Split into requests of at most 500 KB and 2,500 messages; each message is checked alone.'),
  context: context.optional().describe('Merged into every message.'),
  integrations: integrations.optional().describe('Merged into every message.'),
};

export const batchSchema = z.strictObject(batchEnvelope);

/** SEGMENT_IMPORT_HISTORICAL_DATA: a batch whose every message carries its own past timestamp. */
export const importSchema = z.strictObject(batchEnvelope).superRefine((v, ctx) => {
  v.batch.forEach((m, i) => {
    if (typeof (m as { timestamp?: unknown } | null)?.timestamp !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['batch', i, 'timestamp'], message: 'a historical import needs each message\'s original time as an ISO-8601 timestamp with zone.' });
    }
  });
});
