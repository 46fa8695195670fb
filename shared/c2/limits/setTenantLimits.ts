/**
 * Sets a tenant's limits (the platform operator's, through `npm run limits`: a tenant does not raise its own quota,
 * so there is no route for it). Each limit is an integer within its bounds (LIMIT_BOUNDS; `eventRetentionDays`
 * applies to records written from then on), or null for its default; a limit
 * set below what the tenant holds refuses further creations and removes nothing. Answers with the limits in force and
 * what the tenant holds.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { TENANT_LIMIT_NAMES, type TenantLimits } from '../ports/TenantLimitStore.js';
import { LIMIT_BOUNDS } from './tenantLimits.js';
import { type TenantLimitsView, tenantLimitsView } from './tenantLimitsView.js';

export type TenantLimitsInput = { readonly [K in keyof TenantLimits]?: number | null };

export async function setTenantLimits(
  deps: C2Deps,
  tenantId: string,
  input: TenantLimitsInput,
): Promise<TenantLimitsView> {
  if (input === null || typeof input !== 'object') throw new C2Error(C2ErrorCode.InvalidInput, 'expected an object');
  const unknown = Object.keys(input).filter((name) => !(TENANT_LIMIT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new C2Error(C2ErrorCode.InvalidInput, `unknown limit "${unknown[0]}": ${TENANT_LIMIT_NAMES.join(', ')}`);
  }
  for (const name of TENANT_LIMIT_NAMES) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    const { min, max } = LIMIT_BOUNDS[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new C2Error(C2ErrorCode.InvalidInput, `"${name}" must be an integer from ${min} to ${max}, or null`);
    }
  }
  await deps.store.setTenantLimits(tenantId, input);
  return tenantLimitsView(deps, tenantId);
}
