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
      .strictObject({ maxClients: count, maxTopics: count, maxPolicies: count, requestsPerMinute: count })
      .describe(
        'what the tenant may hold, and the API requests it may make a minute (set by the platform operator: `npm run limits`)',
      ),
    usage: z.strictObject({ clients: count, topics: count, policies: count }).describe('what it holds'),
  })
  .describe(
    "The tenant's quotas: a creation beyond one is 409 LIMIT_REACHED, a request beyond requestsPerMinute 429 RATE_LIMITED.",
  );

/** The OpenAPI document (described by the OpenAPI 3.1 specification itself). */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string() });
