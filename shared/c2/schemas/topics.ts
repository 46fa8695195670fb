/** Topics: create, read, list. Topic keys never leave the C2 through the API. */
import { z } from 'zod';
import { MAX_TOPIC_LEN } from '../../e4/index.js';
import { hexBytes, isoTime, pageOf, utf8Text } from './common.js';

export const TopicNameSchema = utf8Text(MAX_TOPIC_LEN);

export const TopicParamsSchema = z.strictObject({ topic: TopicNameSchema });

export const CreateTopicBodySchema = z.strictObject({ topic: TopicNameSchema });

export const TopicViewSchema = z
  .strictObject({
    topic: z.string(),
    hash: hexBytes(16).meta({ description: 'E4 topic hash (hex).' }),
    keyVersion: z.number().int().min(1),
    createdAt: isoTime(),
    updatedAt: isoTime(),
  })
  .meta({ id: 'Topic' });

export const TopicPageSchema = pageOf(TopicViewSchema);
