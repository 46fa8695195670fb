/**
 * Topics: create, read, list, rotate, delete. Topic keys never leave the C2 through the API. Paths address a topic
 * by its hash (URL-safe), never by its name (which usually contains "/").
 */
import * as z from 'zod';
import { MAX_TOPIC_LEN } from '../../e4/index.js';
import { hexBytes, hexIdParam, isoTime, lookupOrPrefixQuery, pageOf, utf8Text } from './common.js';
import { operationResponse } from './operations.js';

export const TopicNameSchema = utf8Text(MAX_TOPIC_LEN);

/** `{topicHash}`: the `hash` of the topic's view. */
export const TopicHashSchema = hexIdParam(
  16,
  "The topic's hash: lowercase hex of SHA3-256(topic)[0:16] (the `hash` of the topic).",
);

export const TopicHashParamsSchema = z.strictObject({ topicHash: TopicHashSchema });

/**
 * `GET /v1/topics`: a page, with `topic` that topic (a page of zero or one), or with `namePrefix` the topics that
 * start with it.
 */
export const TopicListQuerySchema = lookupOrPrefixQuery('topic', 'namePrefix', TopicNameSchema, {
  lookup: 'Only this topic (URL-encoded: "/" may stay, "+" must be %2B): a page of zero or one topic, never a cursor.',
  prefix:
    "Only the topics that start with this (URL-encoded), in hash order. The tenant's topics are read and filtered " +
    '(no index sorts them by name): a page may be short, even empty, while a cursor says more may follow.',
});

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

/** A topic with the number of clients on it. */
export const TopicDetailSchema = TopicViewSchema.extend({
  clientCount: z.number().int().min(0).meta({ description: 'The number of clients on the topic.' }),
});

/** A deletion started: the topic, and the operation that deletes it. */
export const DeletedTopicSchema = operationResponse({
  topic: z.string().meta({ description: 'The topic being deleted.' }),
});

/** A rotation started: the topic as it was asked, and the operation that rotates it. */
export const RotationStartedSchema = operationResponse({
  topic: TopicViewSchema.meta({
    description:
      'The topic when the rotation was asked for (its key version goes up when the operation installs the new key).',
  }),
});

/** A topic as an item of a list of a client's topics: its name and the hash that addresses it. */
export const TopicRefSchema = z.strictObject({
  topic: z.string(),
  hash: hexBytes(16).meta({ description: 'E4 topic hash (hex): /v1/topics/{hash}.' }),
});
