/**
 * Rotation policies: what to rotate (a target), how (an action) and when (a schedule, events, or both). A policy
 * with a prefix target applies to every topic or client whose name starts with it, created before or after the
 * policy. Shapes chosen here:
 * - `rotate-c2-key` is tenant-wide: its target is `{ tenant: true }` (a target the issue did not list, so that no
 *   policy names a topic or client it ignores);
 * - topic events (`client.subscribed`, `client.unsubscribed`, `client.removed`) count on the policy's topics, so
 *   they go with `rotate-topic-key` only; `key.age` goes with every action (the age of the key the action replaces);
 * - each event type appears at most once in a policy.
 */
import * as z from 'zod';
import { MAX_TOPIC_LEN } from '../../e4/index.js';
import { C2Error } from '../errors.js';
import type { PolicyFields } from '../policies/PolicyRecord.js';
import { MAX_EXPRESSION_LENGTH, parseSchedule } from '../policies/parseSchedule.js';
import { isTimezone } from '../policies/zonedTime.js';
import { RUN_OPERATIONS_LISTED, RUN_OUTCOMES, RUN_REASONS } from '../ports/PolicyStore.js';
import { ClientNameSchema, MAX_CLIENT_NAME_BYTES } from './clients.js';
import { isoTime, pageOf, utf8Text } from './common.js';
import { OperationViewSchema } from './operations.js';
import { TopicNameSchema } from './topics.js';

export const POLICY_ACTIONS = ['rotate-topic-key', 'new-client-key', 'rotate-c2-key'] as const;
/** EventBridge Scheduler's flexible time window: 1 to 1440 minutes. */
export const MAX_FLEXIBLE_WINDOW_MINUTES = 1440;
const WEEK_MINUTES = 7 * 24 * 60;
const MAX_KEY_AGE_DAYS = 3650;
const MAX_EVENT_COUNT = 1_000_000;

const ScheduleExpressionSchema = z
  .string({ error: 'must be a schedule expression' })
  .max(MAX_EXPRESSION_LENGTH, { error: `must be at most ${MAX_EXPRESSION_LENGTH} characters` })
  .superRefine((expression, ctx) => {
    try {
      parseSchedule(expression);
    } catch (error) {
      if (!(error instanceof C2Error)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .meta({
    description:
      'An EventBridge Scheduler expression, the same in local mode: `rate(<n> minutes|hours|days)` (at least 1 ' +
      'minute; the first run comes one period after the policy is created), `cron(<minutes> <hours> ' +
      '<day-of-month> <month> <day-of-week> <year>)` (one of the day fields `?`) or `at(yyyy-mm-ddThh:mm:ss)` ' +
      '(once).',
    examples: ['rate(1 day)', 'cron(0 3 * * ? *)'],
  });

export const PolicyScheduleSchema = z
  .strictObject({
    expression: ScheduleExpressionSchema,
    timezone: z
      .string()
      .refine(isTimezone, { error: 'must be an IANA time zone, as in Europe/Paris' })
      .optional()
      .meta({ description: 'IANA time zone of `cron` and `at` times (default UTC).' }),
    flexibleWindowMinutes: z
      .number({ error: `must be a whole number of minutes from 1 to ${MAX_FLEXIBLE_WINDOW_MINUTES}` })
      .int({ error: `must be a whole number of minutes from 1 to ${MAX_FLEXIBLE_WINDOW_MINUTES}` })
      .min(1, { error: `must be a whole number of minutes from 1 to ${MAX_FLEXIBLE_WINDOW_MINUTES}` })
      .max(MAX_FLEXIBLE_WINDOW_MINUTES, {
        error: `must be a whole number of minutes from 1 to ${MAX_FLEXIBLE_WINDOW_MINUTES}`,
      })
      .optional()
      .meta({ description: 'A run may start up to this many minutes after its time (spreads the load).' }),
  })
  .meta({ id: 'PolicySchedule', description: 'When the policy runs on its own.' });

const prefix = (what: string, maxBytes: number) =>
  utf8Text(maxBytes).meta({
    description: `Every ${what} whose name starts with this text (a plain prefix, not a pattern).`,
  });

const TARGET_KEYS = ['topic', 'topicPrefix', 'allTopics', 'client', 'clientPrefix', 'tenant'] as const;
const TARGET_SHAPES =
  '{ "topic" }, { "topicPrefix" }, { "allTopics": true }, { "client" }, { "clientPrefix" } or { "tenant": true }';

/** The union's message: what is wrong with the one target key given, else the shapes a target takes. */
function targetError(issue: {
  input?: unknown;
  errors?: readonly (readonly { path: PropertyKey[]; message: string }[])[];
}) {
  const { input, errors = [] } = issue;
  const keys = typeof input === 'object' && input !== null ? Object.keys(input) : [];
  const index = keys.length === 1 ? TARGET_KEYS.indexOf(keys[0] as (typeof TARGET_KEYS)[number]) : -1;
  const found = errors[index]?.[0];
  if (index < 0 || found === undefined) return `must be one of ${TARGET_SHAPES}`;
  return `"${TARGET_KEYS[index]}" ${found.message.replace(/^Invalid input: expected true$/, 'must be true')}`;
}

export const PolicyTargetSchema = z
  .union(
    [
      z.strictObject({ topic: TopicNameSchema.meta({ description: 'One topic, by name.' }) }),
      z.strictObject({ topicPrefix: prefix('topic', MAX_TOPIC_LEN) }),
      z.strictObject({ allTopics: z.literal(true).meta({ description: 'Every topic of the tenant.' }) }),
      z.strictObject({ client: ClientNameSchema.meta({ description: 'One client, by name.' }) }),
      z.strictObject({ clientPrefix: prefix('client', MAX_CLIENT_NAME_BYTES) }),
      z.strictObject({ tenant: z.literal(true).meta({ description: 'The tenant itself (its C2 key).' }) }),
    ],
    { error: targetError },
  )
  .meta({
    id: 'PolicyTarget',
    description:
      'What the policy rotates: exactly one of `topic`, `topicPrefix`, `allTopics`, `client`, `clientPrefix`, ' +
      '`tenant`.',
  });

const count = (what: string) =>
  z
    .number({ error: `must be a whole number from 1 to ${MAX_EVENT_COUNT}` })
    .int({ error: `must be a whole number from 1 to ${MAX_EVENT_COUNT}` })
    .min(1, { error: `must be a whole number from 1 to ${MAX_EVENT_COUNT}` })
    .max(MAX_EVENT_COUNT, { error: `must be a whole number from 1 to ${MAX_EVENT_COUNT}` })
    .meta({ description: what });

const minutes = (min: number, what: string) =>
  z
    .number({ error: `must be a whole number of minutes from ${min} to ${WEEK_MINUTES}` })
    .int({ error: `must be a whole number of minutes from ${min} to ${WEEK_MINUTES}` })
    .min(min, { error: `must be a whole number of minutes from ${min} to ${WEEK_MINUTES}` })
    .max(WEEK_MINUTES, { error: `must be a whole number of minutes from ${min} to ${WEEK_MINUTES}` })
    .optional()
    .meta({ description: what });

export const PolicyEventSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.enum(['client.subscribed', 'client.unsubscribed']),
        count: count('Runs after this many subscriptions (or unsubscriptions) to a matching topic since its last run.'),
      }),
      z.strictObject({
        type: z.literal('client.removed'),
        delayMinutes: minutes(0, 'Runs this long after a client is removed from a matching topic or deleted.'),
        batchMinutes: minutes(1, 'Removals within this window after the first make one run.'),
      }),
      z.strictObject({
        type: z.literal('key.age'),
        days: z
          .number({ error: `must be a whole number of days from 1 to ${MAX_KEY_AGE_DAYS}` })
          .int({ error: `must be a whole number of days from 1 to ${MAX_KEY_AGE_DAYS}` })
          .min(1, { error: `must be a whole number of days from 1 to ${MAX_KEY_AGE_DAYS}` })
          .max(MAX_KEY_AGE_DAYS, { error: `must be a whole number of days from 1 to ${MAX_KEY_AGE_DAYS}` })
          .meta({ description: 'Runs when the key the action replaces reaches this age.' }),
      }),
    ],
    { error: 'must be an event: client.subscribed, client.unsubscribed, client.removed or key.age' },
  )
  .meta({ id: 'PolicyEvent', description: 'An event that runs the policy.' });

type Target = z.output<typeof PolicyTargetSchema>;
type Action = (typeof POLICY_ACTIONS)[number];

/** The target keys each action takes. */
const TARGETS_OF: Readonly<Record<Action, readonly string[]>> = {
  'rotate-topic-key': ['topic', 'topicPrefix', 'allTopics'],
  'new-client-key': ['client', 'clientPrefix'],
  'rotate-c2-key': ['tenant'],
};
const TOPIC_EVENTS: readonly string[] = ['client.subscribed', 'client.unsubscribed', 'client.removed'];

const targetKeyOf = (target: Target) => Object.keys(target)[0] ?? '';

const policyFields = {
  name: utf8Text(128).meta({ description: 'A label for people (policies are addressed by id).' }),
  target: PolicyTargetSchema,
  action: z.enum(POLICY_ACTIONS, { error: `must be one of ${POLICY_ACTIONS.join(', ')}` }).meta({
    description:
      '`rotate-topic-key` (topic targets), `new-client-key` (client targets) or `rotate-c2-key` (public-key ' +
      'mode; target `{ "tenant": true }`).',
  }),
  schedule: PolicyScheduleSchema.optional(),
  events: z
    .array(PolicyEventSchema, { error: 'must be a list of events' })
    .max(4, { error: 'must hold at most 4 events (one of each type)' })
    .optional()
    .meta({ description: 'Events that run the policy (each type at most once).' }),
  enabled: z.boolean({ error: 'must be true or false' }).default(true).meta({
    description: 'Off: kept, but runs neither on schedule nor on events (default true).',
  }),
};

/** The rules across fields: a target the action takes, a schedule or an event, each event type once. */
function checkPolicy(policy: z.output<z.ZodObject<typeof policyFields>>, ctx: z.RefinementCtx): void {
  const allowed = TARGETS_OF[policy.action];
  if (!allowed.includes(targetKeyOf(policy.target))) {
    ctx.addIssue({
      code: 'custom',
      path: ['target'],
      message: `${policy.action} takes a target of ${allowed.map((key) => `"${key}"`).join(', ')}`,
    });
  }
  const events = policy.events ?? [];
  if (policy.schedule === undefined && events.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'a policy needs a schedule or at least one event' });
  }
  events.forEach((event, index) => {
    if (events.findIndex((other) => other.type === event.type) !== index) {
      ctx.addIssue({ code: 'custom', path: ['events', index, 'type'], message: `"${event.type}" is given twice` });
    } else if (TOPIC_EVENTS.includes(event.type) && policy.action !== 'rotate-topic-key') {
      ctx.addIssue({
        code: 'custom',
        path: ['events', index, 'type'],
        message: `"${event.type}" counts on topics: it goes with rotate-topic-key only`,
      });
    }
  });
}

export const PolicyInputSchema = z.strictObject(policyFields).superRefine(checkPolicy).meta({ id: 'PolicyInput' });

/**
 * `PATCH /v1/policies/{policyId}`: the fields to change, each replaced whole; `null` removes the schedule or the
 * events. The policy that results is checked as a whole, as a new one would be.
 */
export const PolicyPatchSchema = z
  .strictObject({
    name: policyFields.name.optional(),
    target: PolicyTargetSchema.optional(),
    action: policyFields.action.optional(),
    schedule: PolicyScheduleSchema.nullable().optional().meta({ description: 'A new schedule; null removes it.' }),
    events: policyFields.events.unwrap().nullable().optional().meta({ description: 'New events; null removes them.' }),
    enabled: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .meta({ id: 'PolicyPatch' });

export type PolicyTarget = Target;
export type PolicyInput = z.output<typeof PolicyInputSchema>;

/** True when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// What the schema gives is what the store keeps (policies/PolicyRecord.ts): a change to one only fails to compile.
true satisfies Same<PolicyInput, PolicyFields>;

const ID_MESSAGE = 'must be a policy id: 26 characters of Crockford base32';

/** `{policyId}`: the `id` of the policy's view, in either case (normalised to upper case). */
export const PolicyIdParamsSchema = z.strictObject({
  policyId: z
    .string({ error: ID_MESSAGE })
    .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/, { error: ID_MESSAGE })
    .transform((id) => id.toUpperCase())
    .meta({ description: 'The policy id (the `id` of the policy): 26 characters of Crockford base32, either case.' }),
});

const REVISION_MESSAGE = 'must be a revision: a whole number from 1';

/** The query of a change: `revision`, to change the policy only if it is still the one read. */
export const PolicyRevisionQuerySchema = z.strictObject({
  revision: z
    .preprocess(
      (value) => (typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value),
      z.number({ error: REVISION_MESSAGE }).int({ error: REVISION_MESSAGE }).min(1, { error: REVISION_MESSAGE }),
    )
    .optional()
    .meta({ description: 'Change it only if its revision is still this one (else 409 CONCURRENT_UPDATE).' }),
});

export const PolicyViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'Unique, sortable by creation time: /v1/policies/{id}.' }),
    ...policyFields,
    enabled: z.boolean(),
    createdAt: isoTime().meta({ description: 'Also when a `rate` schedule starts counting.' }),
    updatedAt: isoTime(),
    revision: z.number().int().min(1).meta({ description: 'Incremented by every change (see `?revision=`).' }),
    description: z.string().meta({ description: 'The schedule in plain English.' }),
    nextRuns: z.array(isoTime()).meta({
      description:
        'The next five times the schedule runs the policy (empty when disabled or without a schedule; a run may ' +
        'start up to `flexibleWindowMinutes` later).',
    }),
  })
  .meta({ id: 'Policy' });

export const PolicyPageSchema = pageOf(PolicyViewSchema);

export const DeletedPolicySchema = z.strictObject({ id: z.string(), deleted: z.literal(true) });

export const PolicyRunViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'Unique within the policy, sortable by the time of the run.' }),
    at: isoTime().meta({ description: 'When it ran (a scheduled run: its scheduled time).' }),
    reason: z.enum(RUN_REASONS).meta({ description: 'schedule, manual (POST .../run) or event.' }),
    scheduledTime: isoTime().optional(),
    missed: z.literal(true).optional().meta({
      description: 'A scheduled run standing for the runs that fell due while nothing ran the schedule (local mode).',
    }),
    event: z
      .strictObject({
        type: z.string().meta({ description: 'The policy event that made the run due.' }),
        topic: z.string().optional().meta({ description: 'The topic it counted on: the one topic the run rotates.' }),
        client: z.string().optional().meta({ description: 'The client whose key reached its age (key.age).' }),
      })
      .optional()
      .meta({ description: 'For an event run: which event, on which topic or client (neither: the C2 key).' }),
    actor: z.string().meta({ description: 'The API key id (or scheduler, or events) that ran it.' }),
    outcome: z.enum(RUN_OUTCOMES).meta({
      description:
        'started: an operation per target (follow each at /v1/operations/{id}); empty: no target matched; ' +
        'skipped: the policy is disabled, or the schedule was stale (`error` STALE_SCHEDULE); failed: stopped ' +
        'at `error` (the operations started before are listed).',
    }),
    operations: z
      .array(
        z.strictObject({
          id: z.string(),
          target: z.strictObject({ type: z.string(), name: z.string() }),
        }),
      )
      .meta({ description: `The first ${RUN_OPERATIONS_LISTED} operations the run started, with their targets.` }),
    operationCount: z.number().int().min(0).meta({ description: 'How many operations the run started.' }),
    moreOperationIds: z
      .array(z.string())
      .optional()
      .meta({ description: `The ids of the operations after the first ${RUN_OPERATIONS_LISTED}.` }),
    error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'PolicyRun' });

export const PolicyRunPageSchema = pageOf(PolicyRunViewSchema);

/** `POST /v1/policies/{policyId}/run`: the run and the operations it started, as they are now. */
export const PolicyRunStartedSchema = z.strictObject({
  run: PolicyRunViewSchema,
  operations: z.array(OperationViewSchema),
});
