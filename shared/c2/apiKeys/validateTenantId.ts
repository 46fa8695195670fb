import { C2Error, C2ErrorCode } from '../errors.js';

/**
 * Tenant ids: 1..63 characters of lowercase letters, digits and `-`, not starting with `-`. Never `.` (API keys use
 * it), `~` (the platform's partitions) or `_` (claim certificates connect as `e4c2_claim-*`, which no device's thing
 * name `e4c2-<tenant>-<hex id>` may match: infra/constructs/FleetProvisioning.ts).
 */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The tenant id, or a {@link C2Error} INVALID_INPUT. */
export function validateTenantId(tenantId: unknown): string {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new C2Error(
      C2ErrorCode.InvalidInput,
      '"tenantId" must be 1 to 63 lowercase letters, digits or "-", starting with a letter or digit',
    );
  }
  return tenantId;
}
