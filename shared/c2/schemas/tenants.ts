/**
 * The platform operator's routes: tenants created (with a first admin key, shown once), listed, read, suspended,
 * resumed, their limits set, and deleted (an operation). A tenant is addressed by its id (`{tenantId}`).
 */
import * as z from 'zod';
import { TENANT_ID_PATTERN } from '../apiKeys/validateTenantId.js';
import { CreatedApiKeySchema } from './apiKeys.js';
import { ClientNameSchema } from './clients.js';
import { isoTime, pageOf } from './common.js';
import { OperationViewSchema, operationResponse } from './operations.js';
import { TenantLimitsSchema } from './system.js';

const TENANT_ID_MESSAGE = 'must be 1 to 63 lowercase letters, digits or "-", starting with a letter or digit';
const TenantIdSchema = z
  .string({ error: TENANT_ID_MESSAGE })
  .regex(TENANT_ID_PATTERN, { error: TENANT_ID_MESSAGE })
  .meta({ description: 'The tenant id: 1 to 63 lowercase letters, digits or "-", starting with a letter or digit.' });

export const TenantIdParamsSchema = z.strictObject({ tenantId: TenantIdSchema });

const LIMIT_MESSAGE = 'must be an integer from 0, or null (the default)';
const limit = z
  .number({ error: LIMIT_MESSAGE })
  .int({ error: LIMIT_MESSAGE })
  .min(0, { error: LIMIT_MESSAGE })
  .nullable()
  .optional();

export const TenantLimitsBodySchema = z
  .strictObject({ maxClients: limit, maxTopics: limit, maxPolicies: limit })
  .meta({ description: 'Limits to set (the others keep their value); null takes one back to its default.' });

export const CreateTenantBodySchema = z.strictObject({
  id: TenantIdSchema,
  displayName: ClientNameSchema.optional().meta({ description: 'A name for people: 1 to 255 bytes of UTF-8.' }),
  limits: TenantLimitsBodySchema.optional(),
});

export const TenantViewSchema = z
  .strictObject({
    id: TenantIdSchema,
    displayName: z.string().optional(),
    status: z.enum(['active', 'suspended', 'deleting', 'deleted']).meta({
      description:
        'active: its keys work; suspended: its keys are refused (403 TENANT_SUSPENDED); deleting: refused, ' +
        'being deleted (see deletion); deleted: its records are gone, its keys refused as unknown (401), the id ' +
        'kept until a creation takes it again.',
    }),
    createdAt: isoTime(),
    updatedAt: isoTime(),
    deletion: OperationViewSchema.optional().meta({ description: 'The operation deleting it (status deleting).' }),
  })
  .meta({ id: 'Tenant' });

export const TenantPageSchema = pageOf(TenantViewSchema);

export const CreatedTenantSchema = z
  .strictObject({
    tenant: TenantViewSchema,
    limits: TenantLimitsSchema,
    adminKey: CreatedApiKeySchema.meta({ description: "The tenant's first admin key: its token is shown once." }),
  })
  .meta({ id: 'CreatedTenant' });

export const TenantDeletionSchema = operationResponse({ tenant: TenantIdSchema });
