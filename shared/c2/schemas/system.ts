/** Health, counts and the tenant's quotas. */
import * as z from 'zod';

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
        maxClients: count,
        maxTopics: count,
        maxPolicies: count,
        eventRetentionDays: z.number().int().min(1).describe('days the event log keeps a record (its TTL)'),
      })
      .describe(
        'what the tenant may hold and how long its log is kept (set by the platform operator: `npm run limits`)',
      ),
    usage: z.strictObject({ clients: count, topics: count, policies: count }).describe('what it holds'),
  })
  .describe("The tenant's quotas: a creation beyond one is 409 LIMIT_REACHED.");

/** The OpenAPI document (described by the OpenAPI 3.1 specification itself). */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string() });
