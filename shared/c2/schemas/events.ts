/**
 * The event log: who did what, when, with what result. Never key bytes. Listed newest first or exported oldest
 * first, filtered by the same query fields.
 */
import * as z from 'zod';
import { MAX_TARGET_NAME_BYTES } from '../operations/validateOperationFilter.js';
import type { EventRecord } from '../ports.js';
import { isoTime, linesOf, PageQuerySchema, pageOf, requireTargetPair, utf8Text } from './common.js';

type TargetType = EventRecord['target']['type'];

/** Every target type (a record over the type, so that a new one does not compile until it is listed here). */
const TARGET_TYPES: Readonly<Record<TargetType, true>> = {
  client: true,
  topic: true,
  link: true,
  c2key: true,
  apikey: true,
  policy: true,
  tenant: true,
  'enrolment-window': true,
  'factory-batch': true,
};

export const EventViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'Unique and sortable.' }),
    at: isoTime(),
    actor: z.string().meta({ description: 'The API key id (or scheduler, local-admin, ...) that made the change.' }),
    action: z.string().meta({ description: 'e.g. client.create, topic.rotate, link.delete.' }),
    target: z.strictObject({
      type: z.enum(Object.keys(TARGET_TYPES) as [TargetType, ...TargetType[]]),
      name: z.string().meta({ description: 'The client, the topic, or "<topic> <client>" for a link.' }),
    }),
    result: z.enum(['ok', 'error']),
    errorCode: z.string().optional().meta({ description: 'The error code when the result is "error".' }),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Facts about the change (key versions, delivery), a free JSON object.' }),
    seq: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "The record's place in the tenant's hash chain (absent on records from before it)." }),
    prevHash: z
      .string()
      .optional()
      .meta({ description: 'The hash of record seq - 1 (64 zeros before the first), lowercase hex.' }),
    hash: z
      .string()
      .optional()
      .meta({
        description:
          'SHA-256 of the canonical JSON of this record without `hash` (keys sorted, no spaces), lowercase hex: ' +
          'an export verifies offline with `npm run verify-events`.',
      }),
  })
  .meta({ id: 'Event' });

export const EventPageSchema = pageOf(EventViewSchema);

const TIME_MESSAGE = 'must be an ISO time in UTC, e.g. 2026-11-23T00:00:00Z';
const time = (description: string) => z.iso.datetime({ error: TIME_MESSAGE }).optional().meta({ description });
const enumOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

/** The filters of the event log: every one given must match. */
const EVENT_FILTERS = {
  actor: utf8Text(128)
    .optional()
    .meta({ description: 'Only the events of this actor (an API key id, scheduler, ...).' }),
  action: utf8Text(128).optional().meta({
    description:
      'Only the events of this action (e.g. topic.rotate), or of every action under a prefix ending in "." (e.g. policy.).',
  }),
  targetType: enumOf(Object.keys(TARGET_TYPES) as [TargetType, ...TargetType[]])
    .optional()
    .meta({ description: 'Only the events on this target: its type (with `target`).' }),
  target: utf8Text(MAX_TARGET_NAME_BYTES)
    .optional()
    .meta({
      description:
        'Only the events on this target: its name (with `targetType`; URL-encoded): the client, the topic, or ' +
        '"<topic> <client>" for a link.',
    }),
  result: enumOf(['ok', 'error']).optional().meta({ description: 'Only the changes that succeeded, or failed.' }),
  from: time('Only the events at or after this time (included).'),
  to: time('Only the events before this time (left out). A time window is read as a range of the log, not a scan.'),
};

function checkFilters(
  query: { readonly targetType?: unknown; readonly target?: unknown; readonly from?: string; readonly to?: string },
  ctx: z.RefinementCtx,
): void {
  requireTargetPair(query, ctx);
  if (query.from !== undefined && query.to !== undefined && Date.parse(query.to) < Date.parse(query.from)) {
    ctx.addIssue({ code: 'custom', message: 'must not be before "from"', path: ['to'] });
  }
}

/** `GET /v1/events`: a page, newest first, of the events matching every filter given. */
export const EventListQuerySchema = PageQuerySchema.extend(EVENT_FILTERS).superRefine(checkFilters);

/** `GET /v1/events/export`: the events matching every filter given, oldest first, from `cursor` when given. */
export const EventExportQuerySchema = z
  .strictObject({
    ...EVENT_FILTERS,
    cursor: PageQuerySchema.shape.cursor.meta({
      description: 'Where the previous export stopped (its `Link: <...>; rel="next"`): absent to start at the oldest.',
    }),
  })
  .superRefine(checkFilters);

/** An export: its events, one JSON line each, and where the next one starts when it stopped at its bound. */
export const EventExportSchema = linesOf(EventViewSchema);
