import { validateTenantId } from '../apiKeys/validateTenantId.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { TenantRecord } from '../ports/TenantRegistry.js';

/** The registered tenant of that id; INVALID_INPUT for an id that is not one, NOT_FOUND when it is not registered. */
export async function requireTenant(deps: C2Deps, tenantId: unknown): Promise<TenantRecord> {
  const id = validateTenantId(tenantId);
  const record = await deps.store.getTenant(id);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no tenant "${id}"`);
  return record;
}
