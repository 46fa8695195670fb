/**
 * The platform API's change of a tenant's limits: setTenantLimits (as `npm run limits`) on a registered tenant that is
 * not being deleted (NOT_FOUND, CONCURRENT_UPDATE), recorded in the platform's event log (`tenant.limits`).
 */

import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { setTenantLimits, type TenantLimitsInput } from '../limits/setTenantLimits.js';
import type { TenantLimitsView } from '../limits/tenantLimitsView.js';
import type { Caller } from '../ports.js';
import { requireTenant } from './requireTenant.js';
import { tenantDeps } from './tenantDeps.js';

export async function setRegisteredTenantLimits(
  deps: C2Deps,
  caller: Caller,
  tenantId: string,
  input: TenantLimitsInput,
): Promise<TenantLimitsView> {
  const record = await requireTenant(deps, tenantId);
  if (record.status === 'deleting') {
    throw new C2Error(C2ErrorCode.ConcurrentUpdate, `tenant "${record.id}" is being deleted`);
  }
  return audited(deps, caller, 'tenant.limits', { type: 'tenant', name: record.id }, async () => {
    const view = await setTenantLimits(tenantDeps(deps, record.id), record.id, input);
    return { value: view, details: { ...input } };
  });
}
