/**
 * Operations: every change that sends commands to devices, recorded before anything is sent, with one delivery per
 * device. Read one, list them (newest first, filtered), list the devices of one. Views show progress, never the key
 * an operation installs. Paths address an operation by its id (26 characters of Crockford base32).
 */
import * as z from 'zod';
import { MAX_TARGET_NAME_BYTES, OPERATION_TARGET_TYPES } from '../operations/validateOperationFilter.js';
import { DELIVERY_STATES, OPERATION_KINDS, OPERATION_STATUSES } from '../ports/OperationStore.js';
import { hexBytes, isoTime, PageQuerySchema, pageOf, requireTargetPair, utf8Text } from './common.js';

const ID_MESSAGE = 'must be an operation id: 26 characters of Crockford base32';

/** `{operationId}`: the `id` of the operation's view, in either case (normalised to upper case). */
export const OperationIdSchema = z
  .string({ error: ID_MESSAGE })
  .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/, { error: ID_MESSAGE })
  .transform((id) => id.toUpperCase())
  .meta({
    description:
      'The operation id (the `id` of the operation): 26 characters of Crockford base32, sortable by creation ' +
      'time. Either case is accepted.',
  });

export const OperationIdParamsSchema = z.strictObject({ operationId: OperationIdSchema });

const enumOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

/** A policy's id or a run's: 26 characters of Crockford base32, either case (normalised to upper case). */
const RunPartSchema = (field: string) =>
  z
    .string({ error: `must be a ${field} id: 26 characters of Crockford base32` })
    .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/, {
      error: `must be a ${field} id: 26 characters of Crockford base32`,
    })
    .transform((id) => id.toUpperCase());

/** `GET /v1/operations`: a page, newest first, of those matching every filter given (a run's: in its order). */
export const OperationListQuerySchema = PageQuerySchema.extend({
  status: enumOf(OPERATION_STATUSES).optional().meta({ description: 'Only operations in this status.' }),
  kind: enumOf(OPERATION_KINDS).optional().meta({ description: 'Only operations of this kind.' }),
  targetType: enumOf(OPERATION_TARGET_TYPES)
    .optional()
    .meta({ description: 'Only operations on this target: its type (with `target`).' }),
  target: utf8Text(MAX_TARGET_NAME_BYTES)
    .optional()
    .meta({
      description:
        'Only operations on this target: its name (with `targetType`; URL-encoded): the topic, the client name, ' +
        'or "<topic> <client>" for a link.',
    }),
  parent: OperationIdSchema.optional().meta({
    description:
      'Only the operations started as steps of this one (a client deletion or reset: one link.delete per topic).',
  }),
  policy: RunPartSchema('policy')
    .optional()
    .meta({ description: 'Only the operations of a run of this policy (with `run`; the `id` of the policy).' }),
  run: RunPartSchema('run')
    .optional()
    .meta({
      description:
        'Only the operations this run of the policy started (with `policy`; the `id` of the run), in the order it ' +
        'started them rather than newest first: a page is the run and its operations read by id.',
    }),
})
  .superRefine(requireTargetPair)
  .superRefine((query, ctx) => {
    if ((query.policy === undefined) !== (query.run === undefined)) {
      const [given, missing] = query.policy === undefined ? ['run', 'policy'] : ['policy', 'run'];
      ctx.addIssue({
        code: 'custom',
        message: `must be given with "${given}" (a run is of a policy)`,
        path: [missing],
      });
    }
  });

/** `GET /v1/operations/{operationId}/devices`: a page in client id order, only those in `state` when given. */
export const DeliveryListQuerySchema = PageQuerySchema.extend({
  state: enumOf(DELIVERY_STATES).optional().meta({ description: 'Only the devices in this state.' }),
});

const count = (description: string) => z.number().int().meta({ description });

export const DeliveryCountsSchema = z
  .strictObject({
    total: count('Devices the operation sends commands to.'),
    pending: count('Not sent yet.'),
    sent: count('Taken by the broker (QoS 1): an offline device with a session gets it later.'),
    confirmed: count('Applied and saved by the device (it sent a receipt).'),
    failed: count('The broker did not take the command.'),
  })
  .meta({ id: 'DeliveryCounts' });

export const OperationViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'Unique, sortable by creation time: /v1/operations/{id}.' }),
    kind: z.enum(OPERATION_KINDS),
    target: z.strictObject({
      type: z.enum(OPERATION_TARGET_TYPES),
      name: z.string().meta({ description: 'The topic, the client name, or "<topic> <client>" for a link.' }),
    }),
    status: z.enum(OPERATION_STATUSES).meta({
      description:
        'pending: recorded, nothing sent yet; running: sending; succeeded: every device sent or confirmed; ' +
        'partial: ended with some devices failed; failed: could not start (see error).',
    }),
    parentId: z.string().optional().meta({
      description: 'The operation this one is a step of (list its siblings with /v1/operations?parent=...).',
    }),
    rekey: z.boolean().optional().meta({
      description: "A client's deletion or reset: whether each of its topics is re-keyed for the clients that stay.",
    }),
    keyVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'The key version the operation installs, when it installs one.' }),
    counts: DeliveryCountsSchema,
    confirmation: z
      .strictObject({
        confirmable: z.number().int().min(1),
        confirmed: z.number().int().min(0),
        percent: z.number().int().min(0).max(100).meta({ description: 'Floored: 100 only when all confirmed.' }),
      })
      .optional()
      .meta({
        description:
          'How many of the devices that can confirm did. Able to confirm: the devices known to send receipts (one ' +
          'was accepted before) when their command went out, and those whose first receipt came since; devices that ' +
          'never send receipts (e4go) are not counted. Absent while there is none.',
      }),
    actor: z.string().meta({ description: 'The API key id (or scheduler, local-admin, ...) that asked for it.' }),
    createdAt: isoTime(),
    updatedAt: isoTime(),
    finishedAt: isoTime().optional(),
    error: z
      .strictObject({ code: z.string(), message: z.string() })
      .optional()
      .meta({ description: 'Why it failed or ended partial.' }),
  })
  .meta({ id: 'Operation' });

export const OperationPageSchema = pageOf(OperationViewSchema);

export const DeliveryViewSchema = z
  .strictObject({
    client: z.strictObject({
      name: z.string(),
      id: hexBytes(16).meta({ description: "The client's E4 id (hex): /v1/clients/{id}." }),
    }),
    state: z.enum(DELIVERY_STATES).meta({
      description:
        'pending: not sent yet; sent: taken by the broker; confirmed: applied and saved by the device; failed: ' +
        'the broker did not take it.',
    }),
    attempts: z.number().int().min(0).meta({ description: 'Commands published for this device so far.' }),
    lastError: z.string().optional().meta({ description: 'Why the last attempt failed.' }),
    confirmedVia: z
      .string()
      .optional()
      .meta({
        description:
          "Confirmed through another operation's command (its id, /v1/operations/{id}): the key this operation " +
          "installed, sent again by a resync (a device back from offline), while it is still the topic's current key.",
      }),
    updatedAt: isoTime(),
  })
  .meta({ id: 'OperationDevice' });

export const DeliveryPageSchema = pageOf(DeliveryViewSchema);

/**
 * The answer of a change carried out as an operation (202): `{ operation, ...shape }`, e.g.
 * `operationResponse({ topic: TopicViewSchema })`.
 */
export function operationResponse<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject({ operation: OperationViewSchema, ...shape });
}

/** `{ operation }`: the answer of a change whose only result is the operation it started. */
export const OperationResponseSchema = operationResponse({});
