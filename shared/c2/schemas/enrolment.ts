/**
 * Enrolment by trust on first use: windows (open, list, read, close) and the enrolment of a device with a window's
 * token. A window is addressed by its id (`{windowId}`, 16 hex digits: the key id of its token).
 */
import * as z from 'zod';
import type { EnrolInput } from '../enrolment/enrolClient.js';
import { MAX_WINDOW_COUNT, MAX_WINDOW_MINUTES, MAX_WINDOW_TOPICS } from '../enrolment/openEnrolmentWindow.js';
import { ENROLMENT_MODES } from '../ports/EnrolmentWindowStore.js';
import { ClientNameSchema, CreatedClientSchema } from './clients.js';
import { base64Bytes, hexIdParam, isoTime, pageOf } from './common.js';
import { TopicNameSchema } from './topics.js';

export const EnrolmentWindowIdParamsSchema = z.strictObject({
  windowId: hexIdParam(8, "The window's id: 16 hex digits (the key id of its token, `id` of the window)."),
});

const ModeSchema = z.enum(ENROLMENT_MODES, { error: 'must be "symmetric", "pubkey" or "any"' });

export const OpenEnrolmentWindowBodySchema = z
  .strictObject({
    name: ClientNameSchema.optional().meta({ description: 'A name for people.' }),
    closesAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2027-01-01T00:00:00Z' })
      .optional()
      .meta({ description: 'When enrolments stop (within 7 days); or durationMinutes.' }),
    durationMinutes: z
      .int({ error: `must be an integer from 1 to ${MAX_WINDOW_MINUTES}` })
      .min(1, { error: `must be an integer from 1 to ${MAX_WINDOW_MINUTES}` })
      .max(MAX_WINDOW_MINUTES, { error: `must be an integer from 1 to ${MAX_WINDOW_MINUTES}` })
      .optional()
      .meta({ description: 'How long enrolments are taken, from now (at most 7 days); or closesAt.' }),
    maxCount: z
      .int({ error: `must be an integer from 1 to ${MAX_WINDOW_COUNT}` })
      .min(1, { error: `must be an integer from 1 to ${MAX_WINDOW_COUNT}` })
      .max(MAX_WINDOW_COUNT, { error: `must be an integer from 1 to ${MAX_WINDOW_COUNT}` })
      .meta({ description: 'How many devices it enrols at most.' }),
    mode: ModeSchema.optional().meta({ description: 'The clients it enrols (default any).' }),
    topics: z
      .array(TopicNameSchema)
      .max(MAX_WINDOW_TOPICS, { error: `must hold at most ${MAX_WINDOW_TOPICS} topics` })
      .optional()
      .meta({
        description:
          'Existing topics each device enrolled is put on (its keys sent after its new identity key); with topics, ' +
          'mode must be symmetric or pubkey.',
      }),
  })
  .refine((body) => (body.closesAt === undefined) !== (body.durationMinutes === undefined), {
    message: 'give one of "closesAt" or "durationMinutes"',
  });

export const EnrolmentWindowViewSchema = z
  .strictObject({
    id: z.string().regex(/^[0-9a-f]{16}$/),
    name: z.string().optional(),
    status: z.enum(['open', 'closed', 'expired', 'full']),
    mode: ModeSchema,
    topics: z.array(z.string()),
    maxCount: z.number().int(),
    enrolled: z.number().int().meta({ description: 'Devices enrolled (or being enrolled).' }),
    closesAt: isoTime(),
    closedAt: isoTime().optional().meta({ description: 'Closed by hand at.' }),
    createdAt: isoTime(),
  })
  .meta({ id: 'EnrolmentWindow' });

export const EnrolmentWindowPageSchema = pageOf(EnrolmentWindowViewSchema);

export const OpenedEnrolmentWindowSchema = z.strictObject({
  window: EnrolmentWindowViewSchema,
  token: z.string().meta({
    description:
      'The API key (scope enrol) devices enrol with: `Authorization: Bearer <token>`. Shown once; expires when ' +
      'the window closes, revoked when it is closed by hand.',
  }),
});

/** `{ name, key }` (symmetric) or `{ name, mode: "pubkey", publicKey }`. */
export const EnrolBodySchema = z
  .strictObject({
    name: ClientNameSchema,
    mode: z.enum(['symmetric', 'pubkey'], { error: 'must be "symmetric" or "pubkey"' }).optional(),
    key: base64Bytes(32).optional().meta({ description: "The device's 32-byte symmetric key." }),
    publicKey: base64Bytes(32).optional().meta({ description: "The device's Ed25519 public key (mode pubkey)." }),
  })
  .superRefine((body, ctx) => {
    if ((body.key === undefined) === (body.publicKey === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give one of "key" or "publicKey"' });
    } else if ((body.mode === 'pubkey') !== (body.publicKey !== undefined)) {
      ctx.addIssue({ code: 'custom', message: '"publicKey" goes with mode "pubkey", and only with it' });
    }
  })
  .transform(
    (body): EnrolInput =>
      body.publicKey
        ? { name: body.name, mode: 'pubkey', publicKey: body.publicKey }
        : { name: body.name, mode: 'symmetric', key: body.key! },
  );

export const EnrolledSchema = CreatedClientSchema.extend({
  topics: z.array(z.string()).meta({ description: 'The topics it was put on (keys sent after its new identity key).' }),
});
