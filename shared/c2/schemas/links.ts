/** Links between clients and topics: link, unlink, and the lists of either side. */
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
