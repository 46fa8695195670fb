/**
 * Suspends or resumes a tenant (the platform operator's): its keys are refused from the next request on (403
 * TENANT_SUSPENDED) and work again after a resumption; nothing of its records changes, and its operations and
 * schedules go on. Either is answered as is when the tenant is in that state already (and not recorded again); a
 * tenant being deleted is neither (409 CONCURRENT_UPDATE). Recorded in the platform's event log.
 */
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import type { TenantStatus } from '../ports/TenantRegistry.js';
import type { Caller } from '../ports.js';
import { requireTenant } from './requireTenant.js';
import { type TenantView, tenantView } from './TenantView.js';

export function suspendTenant(deps: C2Deps, caller: Caller, tenantId: string): Promise<TenantView> {
  return changeStatus(deps, caller, tenantId, 'suspended', 'active');
}

export function resumeTenant(deps: C2Deps, caller: Caller, tenantId: string): Promise<TenantView> {
  return changeStatus(deps, caller, tenantId, 'active', 'suspended');
}

async function changeStatus(
  deps: C2Deps,
  caller: Caller,
  tenantId: string,
  status: TenantStatus,
  from: TenantStatus,
): Promise<TenantView> {
  const record = await requireTenant(deps, tenantId);
  if (record.status === status) return tenantView(record);
  const action = status === 'suspended' ? 'tenant.suspend' : 'tenant.resume';
  return audited(deps, caller, action, { type: 'tenant', name: record.id }, async () => {
    const at = new Date(deps.clock()).toISOString();
    const changed = await deps.store.setTenantStatus(record.id, { status, from: [from], at });
    return { value: tenantView(changed) };
  });
}
