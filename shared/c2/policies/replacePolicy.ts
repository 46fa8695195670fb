/**
 * Replaces a policy with a new one (PUT): checked whole, as a new one; its id and creation stay (a `rate` schedule
 * still counts from the creation), its revision goes up. With `revision`, only if the policy is still at that
 * revision; without, at the one read here. Either way a change in between is CONCURRENT_UPDATE. Its schedule is
 * put after the record (syncPolicySchedule.ts): a failure there is the caller's error with the record written, and
 * the same change sent again (without `revision`) puts the schedule.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Caller } from '../ports.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { type PolicyView, policyView } from './PolicyView.js';
import { policyStoreOf } from './policyStoreOf.js';
import { requirePolicy } from './requirePolicy.js';
import { syncPolicySchedule } from './syncPolicySchedule.js';
import { validatePolicy } from './validatePolicy.js';

export interface PolicyChangeOptions {
  /** The revision the caller read: the change applies only to it. */
  readonly revision?: number;
}

export async function replacePolicy(
  deps: C2Deps,
  caller: Caller,
  id: string,
  input: unknown,
  options: PolicyChangeOptions = {},
): Promise<PolicyView> {
  const fields = validatePolicy(input);
  const current = await requirePolicy(deps, caller.tenantId, id);
  const expected = options.revision ?? current.revision;
  if (expected !== current.revision) {
    throw new C2Error(
      C2ErrorCode.ConcurrentUpdate,
      `policy ${id} is at revision ${current.revision}, not ${expected}: read it again`,
    );
  }
  const record: PolicyRecord = {
    ...fields,
    id: current.id,
    tenantId: current.tenantId,
    createdAt: current.createdAt,
    updatedAt: new Date(deps.clock()).toISOString(),
    revision: expected + 1,
  };
  await policyStoreOf(deps).replacePolicy(record, expected);
  await syncPolicySchedule(deps, caller.tenantId, record.id);
  return policyView(record, deps.clock());
}
