import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type formatsPlugin from 'ajv-formats';
import type { Findings } from './findings.js';
import type { Finding, LoadedPlan, PlanRule, RuleType } from './types.js';

/**
 * A tracking plan made ready to check messages: each rule's JSON Schema compiled by Ajv once per
 * rule version (a refresh that brings the same version reuses the compiled function), rules indexed
 * by what they apply to. A rule's schema describes the whole message (properties, traits, context).
 */

/**
 * Ajv is loaded with the first plan compiled, not with the module: most processes never have a plan
 * (no Public API token, or --validate=off), and Ajv with its formats is ~8 MB of a CLI's resident memory.
 * Both are CommonJS, so `require` loads them in step, when the first compiler is made.
 */
const require = createRequire(import.meta.url);
function newAjv(): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  // ajv-formats is CommonJS; its module object is the plugin.
  const addFormats = require('ajv-formats') as typeof formatsPlugin.default;
  // Segment's schemas are draft-07 and may carry keywords Ajv does not know: strict mode would refuse them.
  const ajv = new AjvClass({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

export interface CompiledRule {
  label: string;
  validate: ValidateFunction;
  seesFilledIn: boolean;
}

export interface CompiledPlan {
  plan: LoadedPlan;
  /** TRACK rules by event name. */
  track: Map<string, CompiledRule>;
  /** The same, each with the COMMON rules before it: what a planned event is checked against. */
  trackWithCommon: Map<string, CompiledRule[]>;
  /**
   * IDENTIFY, GROUP, PAGE, SCREEN rules: those without a key apply to every message of the type, those
   * with a key to messages of that name. Each list comes with the COMMON rules first, the named rule last.
   */
  byType: Map<RuleType, { any: CompiledRule[]; named: Map<string, CompiledRule>; anyWithCommon: CompiledRule[]; namedWithCommon: Map<string, CompiledRule[]> }>;
  common: CompiledRule[];
  /** Rules whose schema Ajv could not compile, by label, with why: reported, never fatal. */
  skipped: string[];
  /**
   * Whether some rule can tell a message as given from the message as sent (with the messageId,
   * timestamp and context.library the sender fills in). When none can, messages are checked as
   * given, which spares a copy of each message.
   */
  seesFilledIn: boolean;
}

/** Keywords that judge an object by all its keys (or hide such keywords): a rule with one can see added fields. */
const KEY_GENERIC = ['additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties', 'dependencies', 'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', '$ref', '$dynamicRef', '$recursiveRef', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else'];
const FILLED_NAMES = /"(?:messageId|timestamp|library)"/;

/**
 * Whether a rule's schema could judge a message differently once messageId, timestamp and
 * context.library are filled in: it names one of them, requires or forbids context, or judges the
 * message or its context by all their keys. Conservative: when unsure, it says yes.
 */
export function seesFilledIn(schema: object): boolean {
  if (FILLED_NAMES.test(JSON.stringify(schema))) return true;
  const top = schema as { required?: unknown; properties?: Record<string, unknown> };
  if (Array.isArray(top.required) && top.required.includes('context')) return true;
  const context = top.properties && typeof top.properties === 'object' ? top.properties.context : undefined;
  if (context === false) return true;
  return [schema, context].some((level) => level !== null && typeof level === 'object' && KEY_GENERIC.some((k) => k in level));
}

const TYPE_OF_MESSAGE: Record<string, RuleType | undefined> = { track: 'TRACK', identify: 'IDENTIFY', group: 'GROUP', page: 'PAGE', screen: 'SCREEN' };

/** Problems reported per message and rule at most: a message far off its rule says so in a few lines. */
const MAX_ERRORS_PER_RULE = 10;

export const ruleLabel = (r: Pick<PlanRule, 'type' | 'key' | 'version'>) => `${r.type}${r.key ? ` "${r.key}"` : ''} v${r.version}`;

export class PlanCompiler {
  private ajvInstance?: Ajv;
  /** planId|type|key|version -> compiled rule; what the last compile of a plan used. */
  private readonly compiled = new Map<string, { rule: CompiledRule; schema: object; plan: string }>();

  private get ajv(): Ajv {
    return (this.ajvInstance ??= newAjv());
  }

  compile(plan: LoadedPlan): CompiledPlan {
    const out: CompiledPlan = { plan, track: new Map(), trackWithCommon: new Map(), byType: new Map(), common: [], skipped: [], seesFilledIn: false };
    const used = new Set<string>();
    // The newest live version of each rule wins.
    const newest = new Map<string, PlanRule>();
    for (const r of plan.rules) {
      if (r.deprecatedAt) continue;
      const id = `${r.type}|${r.key ?? ''}`;
      const prior = newest.get(id);
      if (!prior || r.version > prior.version) newest.set(id, r);
    }
    for (const r of newest.values()) {
      const id = `${plan.id}|${r.type}|${r.key ?? ''}|${r.version}`;
      let entry = this.compiled.get(id);
      if (!entry) {
        const schema = typeof r.jsonSchema === 'object' && r.jsonSchema !== null ? (r.jsonSchema as object) : undefined;
        if (!schema) {
          out.skipped.push(`${ruleLabel(r)}: its jsonSchema is not an object`);
          continue;
        }
        try {
          entry = { rule: { label: ruleLabel(r), validate: this.ajv.compile(schema), seesFilledIn: seesFilledIn(schema) }, schema, plan: plan.id };
        } catch (err) {
          out.skipped.push(`${ruleLabel(r)}: ${(err as Error).message.slice(0, 200)}`);
          continue;
        }
        this.compiled.set(id, entry);
      }
      used.add(id);
      const rule = entry.rule;
      if (rule.seesFilledIn) out.seesFilledIn = true;
      if (r.type === 'COMMON') out.common.push(rule);
      else if (r.type === 'TRACK') {
        if (r.key) out.track.set(r.key, rule);
      } else {
        const slot = out.byType.get(r.type) ?? { any: [] as CompiledRule[], named: new Map<string, CompiledRule>(), anyWithCommon: [], namedWithCommon: new Map<string, CompiledRule[]>() };
        if (r.key) slot.named.set(r.key, rule);
        else slot.any.push(rule);
        out.byType.set(r.type, slot);
      }
    }
    for (const [event, rule] of out.track) out.trackWithCommon.set(event, [...out.common, rule]);
    for (const slot of out.byType.values()) {
      slot.anyWithCommon = [...out.common, ...slot.any];
      for (const [name, rule] of slot.named) slot.namedWithCommon.set(name, [...slot.anyWithCommon, rule]);
    }
    // Versions this plan no longer has are dropped, from Ajv's cache too.
    for (const [id, entry] of this.compiled) {
      if (entry.plan === plan.id && !used.has(id)) {
        this.ajv.removeSchema(entry.schema);
        this.compiled.delete(id);
      }
    }
    return out;
  }
}

/** The rules a message other than a track event must satisfy. Every list is built with the plan: checking a message allocates none. */
function rulesFor(plan: CompiledPlan, ruleType: RuleType | undefined, message: Record<string, unknown>): readonly CompiledRule[] {
  const slot = ruleType ? plan.byType.get(ruleType) : undefined;
  if (!slot) return plan.common;
  return (typeof message.name === 'string' && slot.namedWithCommon.get(message.name)) || slot.anyWithCommon;
}

const pathOf = (instancePath: string) => instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
const join = (a: string, b: string) => (a ? `${a}.${b}` : b);

/** One Ajv error as a finding: where, what the plan wants, and the fix. Values are never quoted (they may be personal data). */
function toFinding(e: ErrorObject, rule: CompiledRule, index: number): Finding {
  const at = pathOf(e.instancePath);
  const base = { index, severity: 'error' as const, kind: 'tracking_plan' as const, rule: rule.label };
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const field = join(at, String(p.missingProperty));
      return { ...base, field, message: `${field} is required by the tracking plan (${rule.label})`, fix: `add ${field}` };
    }
    case 'additionalProperties': {
      const field = join(at, String(p.additionalProperty));
      return { ...base, field, message: `${field} is not allowed by the tracking plan (${rule.label})`, fix: `remove ${field}, or add it to the plan` };
    }
    case 'type': {
      const want = String(p.type);
      return { ...base, field: at || undefined, message: `${at || 'the message'} must be ${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want} (${rule.label})`, fix: `send ${at || 'it'} as ${want}` };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const shown = allowed.slice(0, 10).map((v) => JSON.stringify(v)).join(', ');
      return { ...base, field: at, message: `${at} must be one of ${shown}${allowed.length > 10 ? ', ...' : ''} (${rule.label})`, fix: `use one of ${shown}` };
    }
    default:
      return { ...base, field: at || undefined, message: `${at || 'the message'} ${e.message ?? 'breaks the rule'} (${rule.label})` };
  }
}

const normalized = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** A planned event written another way (`order_completed` for `Order Completed`): the likely fix. */
function plannedLike(plan: CompiledPlan, event: string): string | undefined {
  const want = normalized(event);
  if (!want) return undefined;
  for (const key of plan.track.keys()) if (normalized(key) === want) return key;
  return undefined;
}

/**
 * What every rule's validate function is called with: the message is the root, at the top. Called
 * without it, Ajv's generated function makes an empty object for its parameter's default on every
 * call: about 60 bytes and half the time of checking a planned event that fits its rule. `rootData`
 * is left out, so the function takes the message itself as the root, as when called with no context.
 */
const AT_THE_TOP = Object.freeze({ instancePath: '' }) as NonNullable<Parameters<ValidateFunction>[1]>;

/** Plan findings for one message (as sent: with its type, messageId, timestamp and context). */
export function checkPlan(plan: CompiledPlan, type: string, message: Record<string, unknown>, index: number, out: Findings): void {
  const ruleType = TYPE_OF_MESSAGE[type];
  let rules: readonly CompiledRule[];
  if (ruleType === 'TRACK') {
    // A planned event is checked against its rule with the COMMON rules; any other against those alone.
    const event = String(message.event ?? '');
    const planned = plan.trackWithCommon.get(event);
    if (!planned && plan.track.size && out.wants('tracking_plan', 'warning')) {
      const near = plannedLike(plan, event);
      out.push({ index, severity: 'warning', kind: 'tracking_plan', field: 'event', message: `event "${event}" is not in the tracking plan "${plan.plan.name ?? plan.plan.id}"`, fix: near ?? 'use a planned event name, or add the event to the plan' });
    }
    rules = planned ?? plan.common;
  } else rules = rulesFor(plan, ruleType, message);
  if (!rules.length) return;
  const withType = message.type === type ? message : { ...message, type };
  for (const rule of rules) {
    if (rule.validate(withType, AT_THE_TOP)) continue;
    const errors = rule.validate.errors ?? [];
    for (let i = 0; i < errors.length && i < MAX_ERRORS_PER_RULE; i++) if (out.wants('tracking_plan', 'error')) out.push(toFinding(errors[i]!, rule, index));
  }
}
