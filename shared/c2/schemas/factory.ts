/**
 * Factory batches and claims: a manufacturer's batch of devices (platform scope), their claim codes (shown once),
 * and a tenant's claim of a device by its code. A batch is addressed by its id (`{batchId}`, 16 hex digits), a
 * device of it by its E4 id (`{clientId}`).
 */
import * as z from 'zod';
import { MAX_CLAIM_TOPICS } from '../factory/claimDevice.js';
import { type FactoryDeviceInput, MAX_BATCH_DEVICES } from '../factory/factoryDevices.js';
import type { FactoryBatchInput } from '../factory/registerFactoryBatch.js';
import { ClientIdSchema, ClientNameSchema, ClientViewSchema, CreatedClientSchema } from './clients.js';
import { base64Bytes, hexIdParam, isoTime, pageOf } from './common.js';
import { TopicNameSchema } from './topics.js';

export const FactoryBatchIdParamsSchema = z.strictObject({
  batchId: hexIdParam(8, "The batch's id: 16 hex digits (`id` of the batch)."),
});

export const FactoryDeviceParamsSchema = z.strictObject({
  batchId: hexIdParam(8, "The batch's id: 16 hex digits (`id` of the batch)."),
  clientId: ClientIdSchema,
});

const FactoryDeviceBodySchema = z
  .strictObject({
    name: ClientNameSchema,
    key: base64Bytes(32).optional().meta({ description: "The device's 32-byte symmetric key." }),
    publicKey: base64Bytes(32).optional().meta({ description: "The device's Ed25519 public key." }),
  })
  .refine((device) => (device.key === undefined) !== (device.publicKey === undefined), {
    message: 'give one of "key" or "publicKey"',
  });

const TOO_MANY = `must hold 1 to ${MAX_BATCH_DEVICES} devices a call (append more with POST /v1/factory-batches/{batchId}/devices)`;

const FactoryDevicesSchema = z
  .array(FactoryDeviceBodySchema)
  .min(1, { error: TOO_MANY })
  .max(MAX_BATCH_DEVICES, { error: TOO_MANY })
  .meta({
    description:
      `The devices (at most ${MAX_BATCH_DEVICES} a call; append more with POST ` +
      '/v1/factory-batches/{batchId}/devices): a name and a key or public key each.',
  });

const deviceInput = (device: z.output<typeof FactoryDeviceBodySchema>): FactoryDeviceInput =>
  device.publicKey
    ? { name: device.name, mode: 'pubkey' as const, publicKey: device.publicKey }
    : { name: device.name, mode: 'symmetric' as const, key: device.key! };

export const RegisterFactoryBatchBodySchema = z
  .strictObject({
    name: ClientNameSchema.meta({ description: 'A name for people (a production run, a line).' }),
    devices: FactoryDevicesSchema,
  })
  .transform((body): FactoryBatchInput => ({ name: body.name, devices: body.devices.map(deviceInput) }));

export const AppendFactoryDevicesBodySchema = z
  .strictObject({ devices: FactoryDevicesSchema })
  .transform((body): FactoryDeviceInput[] => body.devices.map(deviceInput));

export const FactoryBatchViewSchema = z
  .strictObject({
    id: z.string().regex(/^[0-9a-f]{16}$/),
    name: z.string(),
    devices: z.number().int().meta({ description: 'Devices it holds (registered, less those deleted).' }),
    claimed: z.number().int().meta({ description: 'Devices claimed by a tenant (or being claimed).' }),
    unclaimed: z.number().int(),
    createdAt: isoTime(),
  })
  .meta({ id: 'FactoryBatch' });

export const FactoryBatchPageSchema = pageOf(FactoryBatchViewSchema);

export const FactoryDeviceViewSchema = z
  .strictObject({
    name: z.string(),
    id: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .meta({ description: 'Its E4 id (the client id once claimed).' }),
    mode: z.enum(['symmetric', 'pubkey']),
    status: z.enum(['unclaimed', 'claiming', 'claimed']),
    tenantId: z.string().optional().meta({ description: 'The tenant that claimed it.' }),
    claimedAt: isoTime().optional(),
    createdAt: isoTime(),
  })
  .meta({ id: 'FactoryDevice' });

export const FactoryDevicePageSchema = pageOf(FactoryDeviceViewSchema);

export const RegisteredFactoryBatchSchema = z.strictObject({
  batch: FactoryBatchViewSchema,
  devices: z
    .array(
      z.strictObject({
        name: z.string(),
        id: z.string().regex(/^[0-9a-f]{32}$/),
        code: z.string().meta({
          description:
            'The claim code for its label: 25 characters in groups of five, the last a check character. Shown once ' +
            '(only its hash is stored).',
        }),
      }),
    )
    .meta({ description: 'The devices in the order given, each with its claim code.' }),
});

export const AppendedFactoryDevicesSchema = z.strictObject({
  batch: FactoryBatchViewSchema,
  devices: z
    .array(
      z.strictObject({
        name: z.string(),
        id: z.string().regex(/^[0-9a-f]{32}$/),
        status: z.enum(['created', 'exists']).meta({
          description:
            'created: written by this call, with its code; exists: the batch held it already with the same key ' +
            '(its code was shown once, by the call that wrote it: POST .../devices/{clientId}/code gives a new one).',
        }),
        code: z
          .string()
          .optional()
          .meta({ description: 'The claim code of a device created by this call: shown once.' }),
      }),
    )
    .meta({ description: 'The devices in the order given.' }),
});

export const ClaimBodySchema = z.strictObject({
  code: z.string().max(64, { error: 'must be a claim code' }).meta({
    description: 'The claim code on the label (any case; dashes and spaces ignored; O read as 0, I and L as 1).',
  }),
  topics: z
    .array(TopicNameSchema)
    .max(MAX_CLAIM_TOPICS, { error: `must hold at most ${MAX_CLAIM_TOPICS} topics` })
    .optional()
    .meta({ description: 'Existing topics the device is put on (their keys follow its new identity key).' }),
});

export const ClaimedSchema = CreatedClientSchema.pick({ mqtt: true }).extend({
  client: ClientViewSchema,
  topics: z.array(z.string()).meta({ description: 'The topics it was put on.' }),
  batchId: z.string().regex(/^[0-9a-f]{16}$/),
});

export const ReissuedClaimCodeSchema = z.strictObject({
  name: z.string(),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  code: z.string().meta({
    description: 'The new claim code for its label: shown once (only its hash is stored); the old one is dead.',
  }),
});

export const DeletedFactoryDeviceSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  deleted: z.literal(true),
});
