/** The registry as the platform operator reads it: a page of tenants, or one with the operation deleting it. */
import type { C2Deps } from '../C2Deps.js';
import { operationView } from '../operations/OperationView.js';
import { mapPage } from '../pages.js';
import { PLATFORM_TENANT } from '../platform/platformKeyToken.js';
import type { Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { requireTenant } from './requireTenant.js';
import { type TenantView, tenantView } from './TenantView.js';

/** Registered tenants in id order, a page at a time. */
export async function listTenants(deps: C2Deps, page: PageRequest): Promise<Page<TenantView>> {
  return mapPage(await deps.store.listTenants(validatePageRequest(page)), (record) => tenantView(record));
}

/** One registered tenant (NOT_FOUND when there is none), with its deletion while it is being deleted. */
export async function getTenant(deps: C2Deps, tenantId: string): Promise<TenantView> {
  const record = await requireTenant(deps, tenantId);
  const deletion =
    record.deletionId === undefined
      ? undefined
      : await deps.operations.getOperation(PLATFORM_TENANT, record.deletionId);
  return tenantView(record, deletion ? operationView(deletion) : undefined);
}
