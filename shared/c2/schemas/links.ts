/** Links between clients and topics: link, unlink, and the lists of either side. */
import * as z from 'zod';
import { ClientIdSchema, ClientRefSchema } from './clients.js';
import { pageOf } from './common.js';
import { DeliveryReportSchema } from './delivery.js';
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
  keyVersion: z
    .number()
    .int()
    .min(1)
    .meta({ description: "The topic's key version after the change (incremented when re-keyed)." }),
  rekeyed: z.boolean(),
  delivery: DeliveryReportSchema,
});

export const TopicsOfClientPageSchema = pageOf(TopicRefSchema);

export const ClientsOfTopicPageSchema = pageOf(ClientRefSchema);
