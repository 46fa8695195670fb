/**
 * Replaces a policy with a new one (PUT): checked whole, as a new one; its id and creation stay (a `rate` schedule
 * still counts from the creation), its revision goes up. With `revision`, only if the policy is still at that
 * revision; without, at the one read here. Either way a change in between is CONCURRENT_UPDATE. A topic or client
 * it names must exist (requireTargetExists.ts). Its schedule is put after the record (keepScheduleInStep.ts: by the
 * worker when the put fails). Only when neither worked is the error the caller's, with the record written: the same
 * change sent again (without `revision`) puts the schedule, and a scheduled run that no longer fits the policy puts
 * it too (runPolicy.ts). Recorded in the event log (`policy.update`, with the new revision).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { keepScheduleInStep } from './keepScheduleInStep.js';
import type { PolicyFields, PolicyRecord } from './PolicyRecord.js';
import { type PolicyView, policyView } from './PolicyView.js';
import { policyStoreOf } from './policyStoreOf.js';
import { requirePolicy } from './requirePolicy.js';
import { requireTargetExists } from './requireTargetExists.js';
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
  // A policy that is not there is no change: answered, not recorded.
  const current = await requirePolicy(deps, caller.tenantId, id);
  return audited(deps, caller, 'policy.update', { type: 'policy', name: current.id }, async () => {
    const view = await replace(deps, caller, current, fields, options);
    return { value: view, details: { revision: view.revision, enabled: view.enabled } };
  });
}

async function replace(
  deps: C2Deps,
  caller: Caller,
  current: PolicyRecord,
  fields: PolicyFields,
  options: PolicyChangeOptions,
): Promise<PolicyView> {
  const expected = options.revision ?? current.revision;
  if (expected !== current.revision) {
    throw new C2Error(
      C2ErrorCode.ConcurrentUpdate,
      `policy ${current.id} is at revision ${current.revision}, not ${expected}: read it again`,
    );
  }
  await requireTargetExists(deps, caller.tenantId, fields.target);
  const record: PolicyRecord = {
    ...fields,
    id: current.id,
    tenantId: current.tenantId,
    createdAt: current.createdAt,
    updatedAt: new Date(deps.clock()).toISOString(),
    revision: expected + 1,
  };
  await policyStoreOf(deps).replacePolicy(record, expected);
  await keepScheduleInStep(deps, caller.tenantId, record.id);
  return policyView(record, deps.clock());
}
