/**
 * A tenant's deletion (`tenant.delete`, an operation of the platform's records: its target names the tenant) carried
 * out step by step. Every step is safe to repeat (a message handled twice, a worker that crashed anywhere): where the
 * operation stands is its `cursor`, moved by conditional writes (a duplicate worker that lost the race stops), and
 * each step works from what is left, a page at a time, until nothing is.
 *
 * 1. `mark`: the tenant marked `deleting` (its keys refused from then on); nothing when it is not registered.
 * 2. `clients`: each client as a client's deletion ends (no commands: the tenant's devices are let go): its IoT thing
 *    and certificates deprovisioned (deps.provisioner), its E4 id's claim released (another tenant may then take the
 *    name), its record deleted.
 * 3. `policies`: each rotation policy with its schedules (policies/removePolicy.ts).
 * 4. `items`: every item left in the tenant's records (links, topics, keys, API keys, operations, events, limits),
 *    100 at a time.
 * 5. `registry`: the registry item marked `deleted` (a tombstone: the tenant's keys refused as unknown ones, whatever
 *    was written after the sweep); then `done`.
 * Operations of the tenant still under way when it was marked may write again after step 4 (their messages find their
 * records gone from then on); a deletion asked again sweeps what they left.
 */

import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { removePolicy } from '../policies/removePolicy.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import { tenantDeps } from '../tenants/tenantDeps.js';
import { finishOperation } from './finishOperation.js';
import { queueAgain } from './queueAgain.js';
import { OPERATION_PAGE, stepDeadline } from './stepBudget.js';
import type { WorkOptions } from './WorkOptions.js';

type Step = 'mark' | 'clients' | 'policies' | 'items' | 'registry' | 'done';
const NEXT: Readonly<Record<Exclude<Step, 'done'>, Step>> = {
  mark: 'clients',
  clients: 'policies',
  policies: 'items',
  items: 'registry',
  registry: 'done',
};

export async function advanceTenantOperation(
  deps: C2Deps,
  operation: OperationRecord,
  options: WorkOptions,
): Promise<void> {
  const deadline = stepDeadline(options);
  const tenantId = operation.target.name;
  let current: OperationRecord | undefined = operation;
  if (current.status === 'pending') current = await move(deps, current, 'mark', 'running');
  while (current) {
    const step = (current.cursor ?? 'mark') as Step;
    if (step === 'done') {
      await finishOperation(deps, current);
      return;
    }
    if (!NEXT[step]) throw new Error(`operation ${operation.id}: unknown position "${current.cursor}"`);
    const finished = await STEPS[step](deps, tenantId, current, deadline);
    if (!finished) return queueAgain(deps, current);
    current = await move(deps, current, NEXT[step]);
  }
}

/** Each step: true once it has nothing left to do, false when the budget ran out first (the rest comes next time). */
const STEPS: Readonly<
  Record<
    Exclude<Step, 'done'>,
    (deps: C2Deps, tenantId: string, operation: OperationRecord, deadline: number) => Promise<boolean>
  >
> = {
  mark: async (deps, tenantId, operation) => {
    const at = new Date(deps.clock()).toISOString();
    try {
      await deps.store.setTenantStatus(tenantId, {
        status: 'deleting',
        from: ['active', 'suspended', 'deleting', 'deleted'],
        at,
        deletionId: operation.id,
      });
    } catch (error) {
      if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
    }
    return true;
  },
  // The tenant's own records through its deps (on AWS its scoped credentials: tenants/tenantDeps.ts).
  clients: (platform, tenantId, _operation, deadline) =>
    untilNone(deadline, async () => {
      const deps = tenantDeps(platform, tenantId);
      const { items } = await deps.store.listClients(tenantId, { limit: OPERATION_PAGE });
      for (const client of items) {
        // Its thing and certificates first: a failure here leaves the record, and the step is done again.
        await deps.provisioner?.deprovision(tenantId, { idHex: bytesToHex(client.id) });
        await deps.store.releaseClientId(tenantId, client.id);
        await ignoreNotFound(deps.store.deleteClient(tenantId, client.name));
      }
      return items.length;
    }),
  policies: (platform, tenantId, _operation, deadline) =>
    untilNone(deadline, async () => {
      const deps = tenantDeps(platform, tenantId);
      if (!deps.policies) return 0;
      const { items } = await deps.policies.listPolicies(tenantId, { limit: OPERATION_PAGE });
      for (const policy of items) await removePolicy(deps, tenantId, policy.id);
      return items.length;
    }),
  items: (platform, tenantId, _operation, deadline) =>
    untilNone(deadline, () => tenantDeps(platform, tenantId).store.deleteTenantItems(tenantId, OPERATION_PAGE)),
  // The item stays as a tombstone (`deleted`): a key a cache still held, or an operation that wrote after the sweep,
  // cannot bring the tenant back as one without an entry (which counts as active).
  registry: async (deps, tenantId) => {
    const at = new Date(deps.clock()).toISOString();
    await deps.store
      .setTenantStatus(tenantId, { status: 'deleted', from: ['deleting'], at })
      .catch((error: unknown) => {
        if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
      });
    return true;
  },
};

/** Pages of `page` (answering how many it handled) until one handles none (true) or the deadline passes (false). */
async function untilNone(deadline: number, page: () => Promise<number>): Promise<boolean> {
  while (Date.now() < deadline) {
    if ((await page()) === 0) return true;
  }
  return false;
}

async function ignoreNotFound(write: Promise<void>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
  }
}

/** The operation at its next step (and status); undefined when another worker moved it first. */
async function move(
  deps: C2Deps,
  operation: OperationRecord,
  step: Step,
  status?: 'running',
): Promise<OperationRecord | undefined> {
  try {
    return await deps.operations.updateOperation(
      operation.tenantId,
      operation.id,
      { cursor: step, ...(status ? { status } : {}), updatedAt: new Date(deps.clock()).toISOString() },
      operation.revision,
    );
  } catch (error) {
    if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return undefined;
    throw error;
  }
}
