/**
 * A policy run asked for by hand (`POST /v1/policies/{policyId}/run`): runPolicy.ts with the manual trigger, recorded
 * in the event log as `policy.run` (target the policy; details: the run's id, outcome and number of operations), so
 * that the audit trail filtered on a policy shows who ran it, beside its operations' own entries. A request repeated
 * with the same Idempotency-Key is recorded again (each request is an act), its run the first one's. A policy that
 * does not exist is refused before anything is recorded (404), as bad input is everywhere.
 */
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { requirePolicy } from './requirePolicy.js';
import { type PolicyRun, runPolicy } from './runPolicy.js';

export async function runPolicyNow(
  deps: C2Deps,
  caller: Caller,
  policyId: string,
  idempotencyKey?: string,
): Promise<PolicyRun> {
  await requirePolicy(deps, caller.tenantId, policyId);
  return audited(deps, caller, 'policy.run', { type: 'policy', name: policyId }, async () => {
    const started = await runPolicy(deps, caller, policyId, {
      reason: 'manual',
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    return {
      value: started,
      details: { run: started.run.id, outcome: started.run.outcome, operations: started.operations.length },
    };
  });
}
