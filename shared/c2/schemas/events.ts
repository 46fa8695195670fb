/** The event log: who did what, when, with what result. Never key bytes. */
import * as z from 'zod';
import type { EventRecord } from '../ports.js';
import { isoTime, pageOf } from './common.js';

type TargetType = EventRecord['target']['type'];

/** Every target type (a record over the type, so that a new one does not compile until it is listed here). */
const TARGET_TYPES: Readonly<Record<TargetType, true>> = {
  client: true,
  topic: true,
  link: true,
  c2key: true,
  apikey: true,
  policy: true,
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
  })
  .meta({ id: 'Event' });

export const EventPageSchema = pageOf(EventViewSchema);
