/**
 * API keys of a tenant: create (the token shown once), list, read, rotate (a new token once), revoke. A key is
 * addressed by its key id (`{keyId}`, 16 hex digits, the third part of its token). No response carries a secret's
 * hash; only creation and rotation carry the token.
 */
import * as z from 'zod';
import { API_KEY_SCOPES, PRINCIPAL_SCOPES } from '../apiKeys/ApiKeyScope.js';
import { ClientNameSchema } from './clients.js';
import { hexIdParam, isoTime, pageOf } from './common.js';

const ScopeSchema = z.enum(API_KEY_SCOPES, {
  error: 'must be one of admin, operator, read-only, enrol',
});

export const ApiKeyIdParamsSchema = z.strictObject({
  keyId: hexIdParam(8, 'The key id: 16 hex digits, the third part of the token (`keyId` of the key).'),
});

export const CreateApiKeyBodySchema = z.strictObject({
  name: ClientNameSchema.meta({ description: 'A name for people: 1 to 255 bytes of UTF-8.' }),
  scope: ScopeSchema.meta({
    description:
      'admin: everything of the tenant; operator: all but API keys; read-only: GET routes only (not API keys); ' +
      'enrol: device self-enrolment only.',
  }),
  expiresAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2027-01-01T00:00:00Z' })
    .optional()
    .meta({ description: 'Refused from then on (must be in the future). Default: never.' }),
});

export const ApiKeyViewSchema = z
  .strictObject({
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    name: z.string(),
    scope: ScopeSchema,
    prefix: z.string().meta({
      description: 'The token after the tenant, up to 4 characters of its secret: tells keys and secrets apart.',
    }),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: isoTime(),
    expiresAt: isoTime().optional(),
    rotatedAt: isoTime().optional(),
    revokedAt: isoTime().optional(),
    lastUsedAt: isoTime().optional().meta({ description: 'Last successful use, to the minute.' }),
  })
  .meta({ id: 'ApiKey' });

export const ApiKeyPageSchema = pageOf(ApiKeyViewSchema);

export const CreatedApiKeySchema = ApiKeyViewSchema.extend({
  token: z
    .string()
    .regex(/^e4c2\.[a-z0-9][a-z0-9-]{0,62}\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/)
    .meta({ description: 'The API key: `Authorization: Bearer <token>`. Shown once: only its hash is stored.' }),
}).meta({ id: 'CreatedApiKey' });

export const WhoAmISchema = z
  .strictObject({
    tenantId: z.string().meta({ description: "The key's tenant (`~platform` for a platform key)." }),
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    scope: z
      .enum(PRINCIPAL_SCOPES)
      .meta({ description: 'What the key may do: admin, operator, read-only, enrol or platform.' }),
    name: z.string(),
    createdAt: isoTime(),
    expiresAt: isoTime().optional().meta({ description: 'Refused from then on. Absent: never expires.' }),
  })
  .meta({ id: 'WhoAmI' });
