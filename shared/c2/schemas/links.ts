/** Links between clients and topics: link, unlink, the lists of either side, and the devices behind on their keys. */
import * as z from 'zod';
import { ClientIdSchema, ClientRefSchema } from './clients.js';
import { isoTime, pageOf } from './common.js';
import { DeliveryReportSchema } from './delivery.js';
import { OperationViewSchema } from './operations.js';
import { TopicHashSchema, TopicRefSchema } from './topics.js';

/** `/v1/topics/{topicHash}/clients/{clientId}` (in the order of the path). */
export const LinkParamsSchema = z.strictObject({ topicHash: TopicHashSchema, clientId: ClientIdSchema });

export const LinkResultSchema = z.strictObject({
  topic: z.string(),
  client: z.string().meta({ description: 'The client name.' }),
  keyVersion: z.number().int().min(1).meta({ description: 'The version of the topic key sent to the client.' }),
  delivery: DeliveryReportSchema,
});

export const UnlinkResultSchema = z.strictObject({
  topic: z.string(),
  client: z.string().meta({ description: 'The client name.' }),
  rekeyed: z.boolean(),
  keyVersion: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: "Without a re-key: the topic's key version (unchanged)." }),
  delivery: DeliveryReportSchema.optional().meta({ description: 'Without a re-key: what became of RemoveTopic.' }),
  operation: OperationViewSchema.optional().meta({
    description: 'With a re-key: the operation that re-keys the topic for the others, then deletes the link.',
  }),
});

export const TopicOfClientSchema = TopicRefSchema.extend({
  keyVersion: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: "The topic's current key version (absent when the topic went away meanwhile)." }),
  confirmed: z
    .strictObject({ keyVersion: z.number().int().min(1), at: isoTime() })
    .optional()
    .meta({
      description:
        'The latest topic key version the device confirmed holding (its receipt), and when. Absent: it never ' +
        'confirmed one (a device that sends no receipts, such as e4go). Behind when lower than keyVersion.',
    }),
}).meta({ id: 'TopicOfClient' });

export const TopicsOfClientPageSchema = pageOf(TopicOfClientSchema);

export const ClientsOfTopicPageSchema = pageOf(ClientRefSchema);

export const DeviceBehindSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .meta({ description: "The client's id." }),
    name: z.string(),
    lastSeenAt: isoTime().optional().meta({ description: 'When the C2 last heard from the device (a receipt).' }),
    identityKey: z
      .strictObject({ keyVersion: z.number().int(), pendingVersion: z.number().int() })
      .optional()
      .meta({ description: 'A new identity key sent (pendingVersion) and not yet confirmed; keyVersion is in force.' }),
    topics: z
      .array(
        z.strictObject({
          topic: z.string(),
          hash: z.string().regex(/^[0-9a-f]{32}$/),
          keyVersion: z.number().int().meta({ description: "The topic's current key version." }),
          confirmedVersion: z
            .number()
            .int()
            .optional()
            .meta({ description: 'The latest version the device confirmed (absent: none yet).' }),
        }),
      )
      .meta({ description: 'The topics whose current key it has not confirmed.' }),
  })
  .meta({ id: 'DeviceBehind' });

export const DevicesBehindPageSchema = pageOf(DeviceBehindSchema);
