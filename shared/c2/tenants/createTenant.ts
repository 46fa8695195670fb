/**
 * Creates a tenant (the platform operator's): its registry item first, by a conditional write (ALREADY_EXISTS, 409,
 * when the id is registered, or when it holds API keys from before the registry), then its limits when given, then
 * a first admin API key, whose token is answered once. A crash after the registry item leaves a tenant without a key:
 * `npm run api-key` makes one. Recorded in the platform's event log (`tenant.create`).
 */

import { type CreatedApiKey, createApiKey } from '../apiKeys/createApiKey.js';
import { validateTenantId } from '../apiKeys/validateTenantId.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { setTenantLimits, type TenantLimitsInput } from '../limits/setTenantLimits.js';
import type { TenantLimitsView } from '../limits/tenantLimitsView.js';
import type { TenantRecord } from '../ports/TenantRegistry.js';
import type { Caller } from '../ports.js';
import { type TenantView, tenantView } from './TenantView.js';
import { tenantDeps } from './tenantDeps.js';

export interface TenantInput {
  readonly id: string;
  readonly displayName?: string;
  readonly limits?: TenantLimitsInput;
}

export interface CreatedTenant {
  readonly tenant: TenantView;
  readonly limits: TenantLimitsView;
  /** The tenant's first admin key: its token is shown once. */
  readonly adminKey: CreatedApiKey;
}

export async function createTenant(deps: C2Deps, caller: Caller, input: TenantInput): Promise<CreatedTenant> {
  const id = validateTenantId(input?.id);
  // Display names follow the rules of client names (1 to 255 bytes of UTF-8, no NUL).
  const displayName = input.displayName === undefined ? undefined : validateClientName(input.displayName);
  const at = new Date(deps.clock()).toISOString();
  const record = {
    id,
    status: 'active' as const,
    createdAt: at,
    updatedAt: at,
    ...(displayName ? { displayName } : {}),
  };
  return audited(deps, caller, 'tenant.create', { type: 'tenant', name: id }, async () => {
    const tenant = tenantDeps(deps, id);
    if ((await tenant.store.countApiKeys(id)) > 0) {
      throw new C2Error(C2ErrorCode.AlreadyExists, `tenant "${id}" exists already (made before the registry)`);
    }
    await registerAgain(deps, tenant, record);
    const limits = await setTenantLimits(tenant, id, input.limits ?? {});
    const adminKey = await createApiKey(
      tenant,
      { tenantId: id, actor: caller.actor },
      { name: 'admin', scope: 'admin' },
    );
    const value = { tenant: tenantView(record), limits, adminKey };
    return { value, details: { adminKeyId: adminKey.keyId, ...(displayName ? { displayName } : {}) } };
  });
}

/**
 * Registers the tenant; an id whose tenant was deleted (its tombstone) is taken again only when nothing of it is left
 * (no API key, client or topic: else ALREADY_EXISTS, and the platform deletes it again first).
 */
async function registerAgain(deps: C2Deps, tenant: C2Deps, record: TenantRecord): Promise<void> {
  try {
    await deps.store.createTenant(record);
    return;
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.AlreadyExists)) throw error;
    const existing = await deps.store.getTenant(record.id);
    if (existing?.status !== 'deleted') throw error;
    const { store } = tenant;
    const left = await Promise.all([
      store.countApiKeys(record.id),
      store.countClients(record.id),
      store.countTopics(record.id),
    ]);
    if (left.some((count) => count > 0)) {
      throw new C2Error(
        C2ErrorCode.AlreadyExists,
        `tenant "${record.id}" was deleted but records of it are left: delete it again first`,
      );
    }
    await deps.store.setTenantStatus(record.id, { status: 'active', from: ['deleted'], at: record.createdAt });
  }
}
