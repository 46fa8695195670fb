/** Health and counts. */
import * as z from 'zod';

export const HealthSchema = z.strictObject({ status: z.literal('ok') });

export const StatsSchema = z.strictObject({
  clients: z.number().int().min(0),
  topics: z.number().int().min(0),
});

/** The OpenAPI document (described by the OpenAPI 3.1 specification itself). */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string() });
