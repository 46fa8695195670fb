/**
 * A queued message as a queue adapter reads it back (an SQS body, a stored local queue item): JSON checked against
 * the WorkQueue port's shapes. Anything else is refused with where it went wrong (JSON, or the path and kind of the
 * first failed check), never with the content itself: a body may carry a device's protected receipt.
 */
import * as z from 'zod';
import { MAX_TOPIC_LEN } from '../../e4/index.js';
import { TENANT_ID_PATTERN } from '../apiKeys/validateTenantId.js';
import { PLATFORM_TENANT } from '../platform/platformKeyToken.js';
import type { WorkMessage } from '../ports/WorkQueue.js';
import { OPERATION_ID } from './newOperationId.js';

/** The base64 of AWS IoT Core's largest message (128 KiB): no receipt is longer. */
const MAX_PAYLOAD_BASE64 = 4 * Math.ceil((128 * 1024) / 3);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const tenantId = z.string().regex(TENANT_ID_PATTERN);
/** Operations and events are also the platform's own (a tenant's deletion, the platform's event log). */
const ownerId = z.union([tenantId, z.literal(PLATFORM_TENANT)]);

export const WorkMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('operation'), tenantId: ownerId, operationId: z.string().regex(OPERATION_ID) }),
  z.object({ type: z.literal('confirmation'), tenantId: ownerId, operationId: z.string().regex(OPERATION_ID) }),
  z.object({ type: z.literal('watch'), tenantId: ownerId, operationId: z.string().regex(OPERATION_ID) }),
  z.object({
    type: z.literal('receipt'),
    tenantId,
    clientIdHex: z.string().regex(/^[0-9a-f]{32}$/),
    payload: z.string().min(1).max(MAX_PAYLOAD_BASE64).regex(BASE64),
    tries: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal('policySchedule'), tenantId, policyId: z.string().regex(OPERATION_ID) }),
  z.object({
    type: z.literal('linkChange'),
    tenantId,
    id: z.string().regex(/^[0-9A-Za-z_.:-]{1,128}$/),
    change: z.enum(['created', 'deleted']),
    topic: z.string().min(1).max(MAX_TOPIC_LEN),
    client: z.string().min(1).max(1024),
    linkCreatedAt: z.iso.datetime(),
    at: z.iso.datetime(),
  }),
  z.object({
    type: z.literal('removalDue'),
    tenantId,
    policyId: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/),
    topic: z.string().min(1).max(MAX_TOPIC_LEN),
    window: z.number().int().min(0),
    dueAt: z.number().int().min(0),
  }),
  z.object({
    type: z.literal('return'),
    tenantId,
    clientIdHex: z.string().regex(/^[0-9a-f]{32}$/),
    at: z.number().int().min(0),
  }),
  z.object({
    type: z.literal('event'),
    event: z.object({
      tenantId: ownerId,
      id: z.string().min(1).max(200),
      at: z.string().min(1).max(40),
      actor: z.string().min(1).max(200),
      action: z.string().min(1).max(64),
      target: z.object({
        type: z.enum(['client', 'topic', 'link', 'c2key', 'apikey', 'policy', 'tenant', 'enrolment-window']),
        name: z.string().max(2048),
      }),
      result: z.enum(['ok', 'error']),
      errorCode: z.string().max(64).optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);

export type ParsedWorkMessage =
  | { readonly ok: true; readonly message: WorkMessage }
  | { readonly ok: false; readonly reason: string };

export function parseWorkMessage(body: string): ParsedWorkMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // The SyntaxError quotes the body: not repeated.
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = WorkMessageSchema.safeParse(json);
  // An absent `tries` stays absent (zod adds no key for it).
  if (parsed.success) return { ok: true, message: parsed.data as WorkMessage };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue?.code ?? 'invalid'} at ${issue?.path.join('.') || '(body)'}` };
}
