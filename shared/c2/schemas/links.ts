/** Links between clients and topics: link, unlink, and the lists of either side. */
import * as z from 'zod';
import { ClientIdSchema, ClientRefSchema } from './clients.js';
import { pageOf } from './common.js';
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

export const TopicsOfClientPageSchema = pageOf(TopicRefSchema);

export const ClientsOfTopicPageSchema = pageOf(ClientRefSchema);
