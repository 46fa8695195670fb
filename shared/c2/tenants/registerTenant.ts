/**
 * Registers a tenant as active unless it is registered already (local mode's default tenant at each start, `npm
 * run api-key` for the tenant it makes a key of): the way tenants made before the registry come into it.
 */
import { validateTenantId } from '../apiKeys/validateTenantId.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';

export async function registerTenant(deps: C2Deps, tenantId: string): Promise<void> {
  const id = validateTenantId(tenantId);
  if (await deps.store.getTenant(id)) return;
  const at = new Date(deps.clock()).toISOString();
  try {
    await deps.store.createTenant({ id, status: 'active', createdAt: at, updatedAt: at });
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.AlreadyExists)) throw error;
  }
}
