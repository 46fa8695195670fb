/**
 * Deletes a tenant, as an operation of the platform's (`tenant.delete`, kept in the platform's records, so that it
 * outlives the tenant's): recorded and queued first, then the tenant marked `deleting` (its keys refused from then
 * on, as a suspended tenant's), which the operation's first step does too (operations/tenantOperation.ts carries it
 * out). A tenant being deleted already answers with its deletion while it runs (no second one); one whose deletion
 * finished (`deleted`, its tombstone) is swept again on request (an operation of the tenant wrote after its sweep).
 * Deletions asked at the same time (each read the tenant before either marked it) start one operation: its
 * idempotency key is the tenant's state as read (its creation and its last deletion), so they answer the same one.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2ErrorCode } from '../errors.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import { PLATFORM_TENANT } from '../platform/platformKeyToken.js';
import type { Caller } from '../ports.js';
import { requireTenant } from './requireTenant.js';

export interface TenantDeletionStarted extends StartedOperation {
  readonly tenant: string;
}

export async function deleteTenant(deps: C2Deps, caller: Caller, tenantId: string): Promise<TenantDeletionStarted> {
  const record = await requireTenant(deps, tenantId);
  const id = record.id;
  const target = { type: 'tenant', name: id } as const;
  if (record.deletionId !== undefined) {
    const running = await deps.operations.getOperation(PLATFORM_TENANT, record.deletionId);
    if (running && running.finishedAt === undefined) return { tenant: id, operation: running, created: false };
  }
  return refusalAudited(deps, caller, 'tenant.delete', target, async () => {
    const started = await startOperation(deps, caller, {
      kind: 'tenant.delete',
      target,
      mintsKey: false,
      idempotencyKey: `tenant.delete:${id}:${record.createdAt}:${record.deletionId ?? '-'}`,
    });
    const at = new Date(deps.clock()).toISOString();
    await deps.store
      .setTenantStatus(id, {
        status: 'deleting',
        from: ['active', 'suspended', 'deleting', 'deleted'],
        at,
        deletionId: started.operation.id,
      })
      .catch((error: unknown) => {
        // Gone meanwhile (a concurrent deletion finished): the operation finds nothing to do.
        if ((error as { code?: string }).code !== C2ErrorCode.NotFound) throw error;
      });
    return { tenant: id, ...started };
  });
}
