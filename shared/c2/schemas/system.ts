/** Health, counts and the tenant's quotas. */
import * as z from 'zod';
import { TENANT_LIMIT_NAMES, type TenantLimitName } from '../ports/TenantLimitStore.js';

export const HealthSchema = z.strictObject({ status: z.literal('ok') });

export const StatsSchema = z.strictObject({
  clients: z.number().int().min(0),
  topics: z.number().int().min(0),
});

const count = z.number().int().min(0);

export const TenantLimitsSchema = z
  .strictObject({
    limits: z
      .strictObject({
        ...(Object.fromEntries(TENANT_LIMIT_NAMES.map((name) => [name, count])) as Record<
          TenantLimitName,
          typeof count
        >),
        eventRetentionDays: z.number().int().min(1).describe('days the event log keeps a record (its TTL)'),
      })
      .describe(
        'what the tenant may hold, the API requests it may make a minute and how long its log is kept (set by the platform operator: `npm run limits`); maxConcurrentOperations counts the operations asked through the API that have not finished',
      ),
    usage: z
      .strictObject({ clients: count, topics: count, policies: count, operationsInProgress: count })
      .describe('what it holds'),
  })
  .describe(
    "The tenant's quotas: a creation beyond one is 409 LIMIT_REACHED, a request beyond requestsPerMinute 429 RATE_LIMITED.",
  );

/** The OpenAPI document (described by the OpenAPI 3.1 specification itself). */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string() });
