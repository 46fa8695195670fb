/**
 * Replaces a policy with a new one (PUT): checked whole, as a new one; its id and creation stay (a `rate` schedule
 * still counts from the creation), its revision goes up. With `revision`, only if the policy is still at that
 * revision; without, at the one read here. Either way a change in between is CONCURRENT_UPDATE. A topic or client
 * it names must exist (requireTargetExists.ts). Its schedule is put after the record (keepScheduleInStep.ts: by the
 * worker when the put fails). Only when neither worked is the error the caller's, with the record written: the same
 * change sent again (without `revision`) puts the schedule, and a scheduled run that no longer fits the policy puts
 * it too (runPolicy.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Caller } from '../ports.js';
import { keepScheduleInStep } from './keepScheduleInStep.js';
import type { PolicyRecord } from './PolicyRecord.js';
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
  const current = await requirePolicy(deps, caller.tenantId, id);
  const expected = options.revision ?? current.revision;
  if (expected !== current.revision) {
    throw new C2Error(
      C2ErrorCode.ConcurrentUpdate,
      `policy ${id} is at revision ${current.revision}, not ${expected}: read it again`,
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
